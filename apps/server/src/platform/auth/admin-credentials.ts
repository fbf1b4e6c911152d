import { createHash, timingSafeEqual } from 'node:crypto';

/** Username and password of the server admin, as sent in an `Authorization: Basic` header. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** The pair in an `Authorization: Basic ...` header, or undefined when the header is absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Compares two strings in time that depends on neither their contents nor their lengths: both are hashed first,
 * so timingSafeEqual always sees 32 bytes.
 */
export function constantTimeEquals(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether `given` is the admin pair; false whenever no admin password is configured. Both halves are always compared. */
export function isAdmin(
  given: BasicCredentials | undefined,
  adminUser: string,
  adminPassword: string | undefined,
): boolean {
  if (adminPassword === undefined || given === undefined) return false;
  const userOk = constantTimeEquals(given.username, adminUser);
  const passwordOk = constantTimeEquals(given.password, adminPassword);
  return userOk && passwordOk;
}

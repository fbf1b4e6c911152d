import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../config/server-config';

/** The app a request acts in: resolved from its token (and, for a user or the admin, the X-Jobnest-App header). */
export interface AppPrincipal {
  appId: number;
  appName: string;
}

/** What a verified token says; the guard still checks the version against the current one. */
export type TokenClaims =
  /** An app-password token (machines: workers, CI, scripts). */
  | { kind: 'app'; appId: number; appName: string; tokenVersion: number }
  /** A console user's token: rights come from the user's grants, read per request. */
  | { kind: 'user'; userId: number; username: string; tokenVersion: number }
  /** The server admin's token; `credentialTag` changes with the admin password, so changing it revokes these. */
  | { kind: 'admin'; username: string; credentialTag: string };

/** The compact JSON inside a token: `k` is absent on app tokens (issued before users existed). */
interface TokenPayload {
  k?: 'u' | 's';
  /** app id (app tokens) or user id (user tokens) */
  a?: number;
  /** app name, username or the admin's name */
  n: string;
  /** token version (app and user tokens) */
  v?: number;
  /** credential tag (admin tokens) */
  t?: string;
  /** expiry, epoch ms */
  e: number;
}

/**
 * Clock difference between servers a token's expiry may show: a token from a server whose clock runs ahead is
 * still accepted, one claiming a longer life than the TTL allows is not.
 */
const CLOCK_SKEW_MS = 30_000;

/**
 * Stateless API tokens: base64url(JSON payload) + "." + HMAC-SHA256 signature. Any server holding the same
 * JOBNEST_TOKEN_SECRET accepts them, so a client may talk to any server of a cluster. A token carries its owner's
 * token version, which a password change bumps (see AppAuthGuard).
 */
@Injectable()
export class TokenService {
  constructor(private readonly config: ServerConfig) {}

  issue(claims: TokenClaims): { accessToken: string; expiresAt: number } {
    const expiresAt = Date.now() + this.config.tokenTtlMs;
    const payload: TokenPayload =
      claims.kind === 'app'
        ? { a: claims.appId, n: claims.appName, v: claims.tokenVersion, e: expiresAt }
        : claims.kind === 'user'
          ? { k: 'u', a: claims.userId, n: claims.username, v: claims.tokenVersion, e: expiresAt }
          : { k: 's', n: claims.username, t: claims.credentialTag, e: expiresAt };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { accessToken: `${body}.${this.sign(body)}`, expiresAt };
  }

  /**
   * The token's claims, or undefined when it is malformed, forged, expired, or expires later than a token issued
   * now could (a leaked secret must not mint tokens that outlive a TTL change).
   */
  verify(token: string): TokenClaims | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    let payload: Partial<TokenPayload>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Partial<TokenPayload>;
    } catch {
      return undefined;
    }
    const { k, a, n, v, t, e } = payload;
    if (typeof n !== 'string' || typeof e !== 'number') return undefined;
    const now = Date.now();
    if (e < now || e > now + this.config.tokenTtlMs + CLOCK_SKEW_MS) return undefined;
    if (k === 's') return typeof t === 'string' ? { kind: 'admin', username: n, credentialTag: t } : undefined;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(v)) return undefined;
    if (k === 'u') return { kind: 'user', userId: a as number, username: n, tokenVersion: v as number };
    if (k !== undefined) return undefined;
    return { kind: 'app', appId: a as number, appName: n, tokenVersion: v as number };
  }

  /**
   * A tag of the admin's current username and password, for admin tokens: not reversible (an HMAC under the token
   * secret), and different as soon as either changes.
   */
  adminCredentialTag(): string | undefined {
    if (this.config.adminPassword === undefined) return undefined;
    return createHmac('sha256', this.config.tokenSecret)
      .update(`admin\0${this.config.adminUser}\0${this.config.adminPassword}`)
      .digest('base64url')
      .slice(0, 22);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.config.tokenSecret).update(body).digest('base64url');
  }
}

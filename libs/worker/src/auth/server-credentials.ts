import { errorMessage } from '@jobnest/common';
import { InvalidCredentialsError, ServiceUnreachableError } from '../errors';
import type { VerifiedApp } from './verified-app';

/** One request at boot must not hang the worker's start forever. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long a boot keeps asking while the server rate-limits logins (429): a fleet restarting at once. */
const RATE_LIMITED_DEADLINE_MS = 120_000;
/** The wait when a 429 names none (Retry-After), and the longest wait taken from it. */
const DEFAULT_RETRY_AFTER_S = 5;
const MAX_RETRY_AFTER_S = 60;

/**
 * Checks the app's credentials with a Jobnest server, once at boot (`POST /api/v1/auth/token`, then
 * `GET /api/v1/me` for the app's id), so the worker needs no read access to the app table and its password hashes.
 * Throws InvalidCredentialsError for a wrong name or password (the server answers both alike), and
 * ServiceUnreachableError when the server cannot be asked. A login the server rate-limits (many workers of an app
 * starting at once) is asked again after its Retry-After, for up to RATE_LIMITED_DEADLINE_MS. Redirects are not
 * followed: the password goes to the configured server only. `serverUrl` is checked by the options (no user
 * info, query or fragment), so it appears in errors as it is.
 */
export async function appFromServer(serverUrl: string, appName: string, password: string): Promise<VerifiedApp> {
  const base = serverUrl.replace(/\/+$/, '');
  const deadline = Date.now() + RATE_LIMITED_DEADLINE_MS;
  const token = await call<{ accessToken?: unknown }>(base, '/api/v1/auth/token', appName, deadline, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appName, password }),
  });
  if (typeof token.accessToken !== 'string') throw unreachable(base, 'the token answer has no accessToken');
  const me = await call<{ kind?: unknown; apps?: { id?: unknown }[]; streamParts?: unknown }>(
    base,
    '/api/v1/me',
    appName,
    deadline,
    {
      headers: { authorization: `Bearer ${token.accessToken}` },
    },
  );
  // An app's token lists its own app only (under its stored name, whatever case the login used).
  const id = me.kind === 'app' ? me.apps?.[0]?.id : undefined;
  if (typeof id !== 'number') throw unreachable(base, 'GET /api/v1/me did not answer as an app');
  // A server older than stream parts does not say: one part.
  const parts = typeof me.streamParts === 'number' && Number.isInteger(me.streamParts) ? me.streamParts : 1;
  return { appId: id, streamParts: Math.max(1, parts) };
}

async function call<T>(base: string, path: string, appName: string, deadline: number, init: RequestInit): Promise<T> {
  for (;;) {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      throw unreachable(base, `${errorMessage(err)}${typeof cause === 'string' ? ` (${cause})` : ''}`);
    }
    if (response.status === 401) throw new InvalidCredentialsError(appName);
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      const waitS = Math.min(
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_RETRY_AFTER_S,
        MAX_RETRY_AFTER_S,
      );
      const waitMs = waitS * 1000 + Math.random() * 1000; // spread the fleet's next tries
      if (Date.now() + waitMs > deadline) throw unreachable(base, `${path} kept answering 429 (too many logins)`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      continue;
    }
    if (!response.ok) throw unreachable(base, `${path} answered ${response.status}`);
    try {
      return (await response.json()) as T;
    } catch (err) {
      throw unreachable(base, `${path} answered something that is not JSON: ${errorMessage(err)}`);
    }
  }
}

function unreachable(base: string, detail: string): ServiceUnreachableError {
  return new ServiceUnreachableError('Jobnest server', base, detail);
}

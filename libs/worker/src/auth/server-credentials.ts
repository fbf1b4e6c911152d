import { errorMessage } from '@jobnest/common';
import { InvalidCredentialsError, ServiceUnreachableError } from '../errors';

/** One request at boot must not hang the worker's start forever. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Checks the app's credentials with a Jobnest server, once at boot (`POST /api/v1/auth/token`, then
 * `GET /api/v1/me` for the app's id), so the worker needs no read access to the app table and its password hashes.
 * Throws InvalidCredentialsError for a wrong name or password (the server answers both alike), and
 * ServiceUnreachableError when the server cannot be asked.
 */
export async function appIdFromServer(serverUrl: string, appName: string, password: string): Promise<number> {
  const base = serverUrl.replace(/\/+$/, '');
  const token = await call<{ accessToken?: unknown }>(base, '/api/v1/auth/token', appName, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appName, password }),
  });
  if (typeof token.accessToken !== 'string') throw unreachable(base, 'the token answer has no accessToken');
  const me = await call<{ apps?: { id?: unknown; name?: unknown }[] }>(base, '/api/v1/me', appName, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  const app = me.apps?.find((a) => a.name === appName);
  if (typeof app?.id !== 'number') throw unreachable(base, `GET /api/v1/me does not list app '${appName}'`);
  return app.id;
}

async function call<T>(base: string, path: string, appName: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw unreachable(base, errorMessage(err));
  }
  if (response.status === 401) throw new InvalidCredentialsError(appName);
  if (!response.ok) throw unreachable(base, `${path} answered ${response.status}`);
  try {
    return (await response.json()) as T;
  } catch (err) {
    throw unreachable(base, `${path} answered something that is not JSON: ${errorMessage(err)}`);
  }
}

function unreachable(base: string, detail: string): ServiceUnreachableError {
  return new ServiceUnreachableError('Jobnest server', base, detail);
}

import { readSession } from '../auth/session-store';
import { ApiError, apiErrorFromBody } from './errors';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** The app the call acts on: sent as X-Jobnest-App. */
  app?: string;
  /** false: no Authorization header, and a 401 is the caller's business (login). Default true. */
  auth?: boolean;
  signal?: AbortSignal;
}

let onUnauthorized: () => void = () => undefined;

/** Called when an authenticated call answers 401 (expired or revoked token). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** Calls the API (same origin) and returns its JSON answer; throws ApiError on any non-2xx answer. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', query, body, app, auth = true, signal } = options;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) {
    const session = readSession();
    if (session === null) {
      onUnauthorized();
      throw new ApiError(401, ['Your session has ended: log in again.']);
    }
    headers.Authorization = `Bearer ${session.accessToken}`;
  }
  if (app !== undefined) headers['X-Jobnest-App'] = app;

  let response: Response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, [`Network error: ${err instanceof Error ? err.message : String(err)}`]);
  }

  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && auth) onUnauthorized();
    throw apiErrorFromBody(response.status, parsed, response.statusText);
  }
  return parsed as T;
}

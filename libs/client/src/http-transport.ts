import type { Agent } from 'node:http';
import { JobnestApiError, JobnestClientError, JobnestConnectionError, JobnestResponseError } from './errors';
import { NodeHttpSender, type RawAnswer, type RawRequest } from './node-http-sender';

/** A value of a query-string parameter; `undefined` leaves the parameter out. */
export type QueryValue = string | number | boolean | undefined;

/** Settings of an {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Absolute http(s) URL the request paths are appended to. */
  baseUrl: string;
  /** Per-request timeout in milliseconds, covering the response body too. */
  timeoutMs: number;
  /** A fetch implementation to send with instead of node:http(s) (Default: none). */
  fetch?: typeof fetch;
  /** The node:http(s) agent of the requests when no `fetch` is given (Default: a kept-alive agent of its own). */
  agent?: Agent;
}

/** One request to send. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path starting with "/", e.g. "/api/v1/jobs/3". */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** JSON-serialisable body. */
  body?: unknown;
  /** Bearer token for the Authorization header. */
  token?: string;
  /** Extra headers, e.g. X-Jobnest-App. */
  headers?: Readonly<Record<string, string>>;
  /** Username and password for an `Authorization: Basic` header (the server admin's routes); wins over `token`. */
  basicAuth?: { username: string; password: string };
}

const MAX_ERROR_TEXT = 300;

/**
 * Sends JSON requests and maps failures to the client's errors:
 * non-2xx to {@link JobnestApiError}, no answer to {@link JobnestConnectionError},
 * an unreadable 2xx body to {@link JobnestResponseError}.
 */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly send: (req: RawRequest) => Promise<RawAnswer>;

  constructor(private readonly options: HttpTransportOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    const custom = options.fetch;
    if (custom) {
      this.send = (req) => sendWithFetch(custom, req);
    } else {
      const sender = new NodeHttpSender(this.baseUrl.startsWith('https:'), options.agent);
      this.send = (req) => sender.send(req);
    }
  }

  /** Sends the request and resolves with the parsed JSON body (`undefined` for an empty body such as 204). */
  async request<T>(req: HttpRequest): Promise<T> {
    const pathWithQuery = req.path + queryString(req.query);
    const url = this.baseUrl + pathWithQuery;
    const headers: Record<string, string> = { ...req.headers, accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
    if (req.basicAuth !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${req.basicAuth.username}:${req.basicAuth.password}`).toString('base64')}`;
    }

    let answer: RawAnswer;
    try {
      answer = await this.send({
        method: req.method,
        url: new URL(url),
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        timeoutMs: this.options.timeoutMs,
      });
    } catch (err: unknown) {
      // RequestTimeoutError (node:http) and AbortSignal.timeout (fetch) are both named TimeoutError.
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const detail = timedOut ? `no response within ${this.options.timeoutMs} ms` : describeNetworkError(err);
      throw new JobnestConnectionError(req.method, url, timedOut, detail, err);
    }

    const { status, statusText, text } = answer;
    if (status < 200 || status >= 300) {
      throw toApiError(status, statusText, text, req.method, pathWithQuery);
    }
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new JobnestResponseError(req.method, pathWithQuery, `status ${status} with a body that is not JSON`);
    }
  }
}

/** Sends `req` with a caller's fetch; its timeout covers the body too. */
async function sendWithFetch(fetchImpl: typeof fetch, req: RawRequest): Promise<RawAnswer> {
  const response = await fetchImpl(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: AbortSignal.timeout(req.timeoutMs),
  });
  return { status: response.status, statusText: response.statusText, text: await response.text() };
}

function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new JobnestClientError(`Invalid baseUrl "${baseUrl}": not an absolute URL`, 'CONFIG_INVALID');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JobnestClientError(`Invalid baseUrl "${baseUrl}": only http and https are supported`, 'CONFIG_INVALID');
  }
  if (url.search || url.hash) {
    throw new JobnestClientError(`Invalid baseUrl "${baseUrl}": must not have a query or fragment`, 'CONFIG_INVALID');
  }
  return url.href.replace(/\/+$/, '');
}

function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : '';
}

/** Finds the useful part of Node's "fetch failed" error, e.g. "connect ECONNREFUSED 127.0.0.1:7700". */
function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let cause: unknown = err.cause;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (cause.message) return cause.message;
    if (code) return code;
  }
  return err.message;
}

function toApiError(status: number, statusText: string, text: string, method: string, path: string): JobnestApiError {
  const fallbackError = statusText || `HTTP ${status}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body === 'object' && body !== null) {
    const { error, message } = body as { error?: unknown; message?: unknown };
    const errorName = typeof error === 'string' && error ? error : fallbackError;
    if (typeof message === 'string' && message)
      return new JobnestApiError(status, errorName, message, method, path, body);
    if (Array.isArray(message) && message.length > 0) {
      return new JobnestApiError(status, errorName, message.map(String), method, path, body);
    }
    return new JobnestApiError(status, errorName, errorName, method, path, body);
  }
  const snippet = text.trim().slice(0, MAX_ERROR_TEXT);
  return new JobnestApiError(status, fallbackError, snippet || fallbackError, method, path, text);
}

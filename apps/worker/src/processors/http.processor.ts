import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { taskParams } from './processor-params';

const BODY_LIMIT_BYTES = 4096;

interface HttpParams {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Sends one HTTP request described by the params, JSON `{ "url", "method"?, "headers"?, "body"? }` (method
 * Default: GET, or POST when there is a body; an object body is sent as JSON). A 2xx status succeeds; the result
 * is the status and the first 4 KB of the response body. Aborting the task aborts the request.
 */
@JobProcessor('http')
export class HttpProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const params = parseParams(taskParams(ctx));
    const response = await fetch(params.url, {
      method: params.method,
      headers: params.headers,
      body: params.body,
      signal: ctx.signal,
    });
    const body = await readStart(response, BODY_LIMIT_BYTES);
    ctx.logger.info(`${params.method} ${params.url} -> ${response.status}`);
    return { success: response.ok, result: body ? `${response.status} ${body}` : String(response.status) };
  }
}

function parseParams(raw: string | null): HttpParams {
  const usage = 'http needs params like {"url":"https://example.com","method":"GET","headers":{},"body":"..."}';
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    throw new Error(usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(usage);
  const o = value as Record<string, unknown>;
  if (typeof o.url !== 'string' || !/^https?:\/\//i.test(o.url)) throw new Error(`http: url must be an http(s) URL; ${usage}`);
  const headers: Record<string, string> = {};
  if (o.headers !== undefined) {
    if (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers)) throw new Error('http: headers must be an object');
    for (const [name, v] of Object.entries(o.headers)) headers[name] = String(v);
  }
  let body: string | undefined;
  if (o.body !== undefined && o.body !== null) {
    if (typeof o.body === 'string') {
      body = o.body;
    } else {
      body = JSON.stringify(o.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
  }
  const method = typeof o.method === 'string' && o.method ? o.method.toUpperCase() : body !== undefined ? 'POST' : 'GET';
  return { url: o.url, method, headers, body };
}

/** The first `limit` bytes of the body as text; the rest is not downloaded. */
async function readStart(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

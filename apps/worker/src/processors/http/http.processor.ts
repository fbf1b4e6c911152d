import { Inject } from '@nestjs/common';
import { GuardedHttpClient, type GuardedRequest } from '@jobnest/http-guard';
import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { taskParams } from '../processor-params';
import { HTTP_PROCESSOR_SETTINGS, type HttpProcessorSettings } from './http-processor-settings';

const BODY_LIMIT_BYTES = 4096;

/**
 * Sends one HTTP request described by the params, JSON `{ "url", "method"?, "headers"?, "body"? }` (method
 * Default: GET, or POST when there is a body; an object body is sent as JSON). A 2xx status succeeds; the result
 * is the status and the first 4 KB of the response body. Aborting the task aborts the request.
 *
 * Only public addresses are reached unless JOBNEST_HTTP_ALLOWED_HOSTS lists the destination (see vetTarget), and
 * redirects (at most 5) are checked the same way. Registered only when JOBNEST_ENABLE_HTTP is on.
 */
@JobProcessor('http')
export class HttpProcessor implements BasicProcessor {
  private readonly client: GuardedHttpClient;

  constructor(@Inject(HTTP_PROCESSOR_SETTINGS) settings: HttpProcessorSettings) {
    this.client = new GuardedHttpClient(settings.allowedHosts, {
      allowListSetting: 'JOBNEST_HTTP_ALLOWED_HOSTS',
      label: 'http',
    });
  }

  async process(ctx: TaskContext): Promise<ProcessResult> {
    const params = parseParams(taskParams(ctx));
    const response = await this.client.send(params, ctx.signal, BODY_LIMIT_BYTES).catch((err: unknown) => {
      throw ctx.signal.aborted ? ctx.signal.reason : err; // a stop or time limit, not a network failure
    });
    const via = response.url === new URL(params.url).href ? '' : ` (redirected to ${response.url})`;
    ctx.logger.info(`${params.method} ${params.url} -> ${response.status}${via}`);
    const ok = response.status >= 200 && response.status < 300;
    return {
      success: ok,
      result: response.bodyStart ? `${response.status} ${response.bodyStart}` : String(response.status),
    };
  }
}

function parseParams(raw: string | null): GuardedRequest {
  const usage = 'http needs params like {"url":"https://example.com","method":"GET","headers":{},"body":"..."}';
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    throw new Error(usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(usage);
  const o = value as Record<string, unknown>;
  if (typeof o.url !== 'string' || !/^https?:\/\//i.test(o.url) || !URL.canParse(o.url)) {
    throw new Error(`http: url must be an http(s) URL; ${usage}`);
  }
  const headers: Record<string, string> = {};
  if (o.headers !== undefined) {
    if (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers))
      throw new Error('http: headers must be an object');
    for (const [name, v] of Object.entries(o.headers)) headers[name] = String(v);
  }
  let body: string | undefined;
  if (o.body !== undefined && o.body !== null) {
    if (typeof o.body === 'string') {
      body = o.body;
    } else {
      body = JSON.stringify(o.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
  }
  const method =
    typeof o.method === 'string' && o.method ? o.method.toUpperCase() : body !== undefined ? 'POST' : 'GET';
  return { url: o.url, method, headers, body };
}

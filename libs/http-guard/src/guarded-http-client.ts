import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HostAllowList } from './host-allow-list';
import { DEFAULT_HTTP_GUARD_OPTIONS, vetTarget, type HttpGuardOptions, type VettedTarget } from './http-target-guard';
import { HttpTargetRefusedError } from './http-target-refused.error';

/** Redirects followed by default before the request fails (see GuardedSendOptions.maxRedirects). */
export const MAX_REDIRECTS = 5;

export interface GuardedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface GuardedResponse {
  status: number;
  /** The URL that answered, after redirects. */
  url: string;
  /** The first `bodyLimit` bytes of the body, as text; the rest is not downloaded. */
  bodyStart: string;
}

export interface GuardedSendOptions {
  /**
   * Redirects followed, each hop vetted again, before the request fails with an Error; default MAX_REDIRECTS.
   * 0 follows none: a redirect answer (3xx with a Location) is returned as is, like any other answer.
   */
  maxRedirects?: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for one origin are not sent on to another one a redirect names. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Sends requests only to vetted addresses (see vetTarget): the connection is pinned to the address that was
 * checked, TLS and the Host header keep the host name, and redirects are followed here, each hop checked again.
 * `options` words the messages of refusals and failures (`<label>: refused ...; list it in <allowListSetting> to
 * allow it`); the defaults are those of the worker's `http` processor.
 */
export class GuardedHttpClient {
  private readonly options: Required<HttpGuardOptions>;

  constructor(
    private readonly allowList: HostAllowList,
    options: HttpGuardOptions = {},
  ) {
    this.options = {
      allowListSetting: options.allowListSetting ?? DEFAULT_HTTP_GUARD_OPTIONS.allowListSetting,
      label: options.label ?? DEFAULT_HTTP_GUARD_OPTIONS.label,
    };
  }

  /**
   * Sends `first` and follows its redirects (at most `options.maxRedirects`); resolves with the final answer,
   * whatever its status. Rejects with an HttpTargetRefusedError when a URL, the first or a redirect's, is refused
   * or is not a URL; with an Error when a host name does not resolve, on too many redirects or a network failure;
   * with a RangeError on a bad `maxRedirects`; and when `signal` aborts, with the abort's reason or an AbortError.
   */
  async send(
    first: GuardedRequest,
    signal: AbortSignal,
    bodyLimit: number,
    options: GuardedSendOptions = {},
  ): Promise<GuardedResponse> {
    const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
    if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
      throw new RangeError(`maxRedirects must be a whole number of 0 or more, not ${maxRedirects}`);
    }
    const { label } = this.options;
    let current = { ...first, headers: { ...first.headers } };
    for (let hop = 0; ; hop++) {
      const target = await vetTarget(parseUrl(current.url, label), this.allowList, this.options);
      signal.throwIfAborted();
      const response = await sendPinned(target, current, signal);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined || maxRedirects === 0) {
        return {
          status: response.statusCode ?? 0,
          url: target.url.href,
          bodyStart: await readStart(response, bodyLimit),
        };
      }
      response.destroy();
      if (hop >= maxRedirects) throw new Error(`${label}: more than ${maxRedirects} redirects (last to ${location})`);
      current = redirected(current, target.url, location, response.statusCode ?? 0, label);
    }
  }
}

function parseUrl(text: string, label: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new HttpTargetRefusedError(`${label}: '${text}' is not a URL`);
  }
}

/** The next request of a redirect, as browsers and fetch do it: 303 (and 301/302 after a POST) become a GET. */
function redirected(
  previous: GuardedRequest,
  from: URL,
  location: string,
  status: number,
  label: string,
): GuardedRequest {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new HttpTargetRefusedError(`${label}: redirect to '${location}' is not a URL`);
  }
  const headers = { ...previous.headers };
  if (next.origin !== from.origin) {
    for (const name of Object.keys(headers))
      if (ORIGIN_BOUND_HEADERS.includes(name.toLowerCase())) delete headers[name];
  }
  const becomesGet =
    status === 303 ? previous.method !== 'HEAD' : (status === 301 || status === 302) && previous.method === 'POST';
  if (!becomesGet) return { url: next.href, method: previous.method, headers, body: previous.body };
  for (const name of Object.keys(headers)) if (/^content-/i.test(name)) delete headers[name];
  return { url: next.href, method: 'GET', headers, body: undefined };
}

function sendPinned(target: VettedTarget, req: GuardedRequest, signal: AbortSignal): Promise<IncomingMessage> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      {
        protocol: target.url.protocol,
        hostname: target.hostName,
        port: target.url.port || undefined,
        path: `${target.url.pathname}${target.url.search}`,
        method: req.method,
        headers: req.headers,
        lookup: pinnedLookup(target),
        agent: false, // a pooled socket could belong to an address vetted for another request
        signal,
      },
      resolve,
    );
    outgoing.once('error', reject);
    outgoing.end(req.body);
  });
}

/** Answers every lookup with the vetted address, so the connection cannot go anywhere else. */
function pinnedLookup(target: VettedTarget): LookupFunction {
  return (_hostName, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

async function readStart(response: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } finally {
    response.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { HostAllowList } from './host-allow-list';
import { vetTarget, type VettedTarget } from './http-target-guard';
import { HttpTargetRefusedError } from './http-target-refused.error';

/** Redirects followed before the request fails; each hop is vetted again. */
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

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for one origin are not sent on to another one a redirect names. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Sends requests only to vetted addresses (see vetTarget): the connection is pinned to the address that was
 * checked, TLS and the Host header keep the host name, and redirects are followed here, each hop checked again.
 */
export class GuardedHttpClient {
  constructor(private readonly allowList: HostAllowList) {}

  async send(first: GuardedRequest, signal: AbortSignal, bodyLimit: number): Promise<GuardedResponse> {
    let current = { ...first, headers: { ...first.headers } };
    for (let hop = 0; ; hop++) {
      const target = await vetTarget(parseUrl(current.url), this.allowList);
      signal.throwIfAborted();
      const response = await sendPinned(target, current, signal);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
        return {
          status: response.statusCode ?? 0,
          url: target.url.href,
          bodyStart: await readStart(response, bodyLimit),
        };
      }
      response.destroy();
      if (hop >= MAX_REDIRECTS) throw new Error(`http: more than ${MAX_REDIRECTS} redirects (last to ${location})`);
      current = redirected(current, target.url, location, response.statusCode ?? 0);
    }
  }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new HttpTargetRefusedError(`http: '${text}' is not a URL`);
  }
}

/** The next request of a redirect, as browsers and fetch do it: 303 (and 301/302 after a POST) become a GET. */
function redirected(previous: GuardedRequest, from: URL, location: string, status: number): GuardedRequest {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new HttpTargetRefusedError(`http: redirect to '${location}' is not a URL`);
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

import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What the server answered: its status line and the whole body as text. */
export interface RawAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** One request as the sender writes it. */
export interface RawRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
}

/** The request got no answer within its timeout (headers and body both count). */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * How long a connection may idle before the agent closes it; the agent shortens it to one second under the server's
 * `Keep-Alive: timeout` hint (Node's own server: 5 s). Node applies that hint only below a timeout set here.
 */
const IDLE_CONNECTION_TIMEOUT_MS = 4_000;

/** Methods a request may be sent again with when the kept-alive connection it went out on was closed under it. */
const RETRIED_METHODS = new Set(['GET', 'PUT', 'DELETE']);

/**
 * Sends requests with node:http(s) over kept-alive connections.
 *
 * Why not the global fetch: on the machines the benchmark runs on, fetch (undici) costs ~0.35 ms of CPU per request
 * and node:http with a keep-alive agent ~0.1 ms, which a client sending thousands of runs a second, and the server
 * sharing its cores, both feel. An idle connection is closed after 4 s, or one second before the server's
 * `Keep-Alive: timeout` hint when that is sooner, and its socket is unref'd, so it never keeps a process alive.
 */
export class NodeHttpSender {
  private readonly agent: HttpAgent;

  /** `agent`: the caller's (e.g. an https.Agent with its own CA); by default one kept-alive agent per sender. */
  constructor(https: boolean, agent?: HttpAgent) {
    const options = { keepAlive: true, timeout: IDLE_CONNECTION_TIMEOUT_MS };
    this.agent = agent ?? (https ? new HttpsAgent(options) : new HttpAgent(options));
  }

  /**
   * Sends `req` and reads its whole answer. An idempotent request (GET, PUT, DELETE) whose reused connection was
   * reset before any answer is sent once more on a new one: the server closed it as idle and never read the request.
   * The other idle connections are closed first: they idled as long, and the server may have closed them too.
   */
  async send(req: RawRequest): Promise<RawAnswer> {
    try {
      return await this.sendOnce(req);
    } catch (err) {
      if (!(err instanceof ReusedConnectionReset) || !RETRIED_METHODS.has(req.method)) throw unwrap(err);
      this.closeIdleConnections();
      return await this.sendOnce(req).catch((again: unknown) => Promise.reject(unwrap(again)));
    }
  }

  /** Closes the agent's idle kept-alive connections (the next request opens a new one). */
  private closeIdleConnections(): void {
    for (const sockets of Object.values(this.agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }

  private sendOnce(req: RawRequest): Promise<RawAnswer> {
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RawAnswer>((resolve, reject) => {
      let answered = false;
      const outgoing: ClientRequest = send(req.url, { method: req.method, headers: req.headers, agent: this.agent });
      // One timer for the whole exchange: a socket timeout would only measure the gaps between packets.
      const timer = setTimeout(() => outgoing.destroy(new RequestTimeoutError(req.timeoutMs)), req.timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        const code = (err as NodeJS.ErrnoException).code;
        const closedUnderUs = !answered && outgoing.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
        reject(closedUnderUs ? new ReusedConnectionReset(err) : err);
      };
      outgoing.on('error', fail);
      outgoing.on('response', (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      outgoing.end(req.body);
    });
  }
}

/** A kept-alive connection was reset before the request got any answer. */
class ReusedConnectionReset extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function unwrap(err: unknown): unknown {
  return err instanceof ReusedConnectionReset ? err.original : err;
}

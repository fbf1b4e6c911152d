import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient, JobnestConnectionError } from '@jobnest/client';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('resolved'),
    (err: unknown) => err,
  );
}

const instance = { id: 7, jobId: 1, status: 'RUNNING', runningTimes: 1 };

/** The client's own transport (node:http with kept-alive connections) against real local servers. */
describe('JobnestClient transport', () => {
  let handler: Handler = (_req, res) => res.end();
  const sockets = new Set<Socket>();
  let server: Server;
  let baseUrl: string;

  before(async () => {
    server = createServer((req, res) => handler(req, res));
    server.on('connection', (socket: Socket) => sockets.add(socket));
    baseUrl = `http://127.0.0.1:${await listen(server)}`;
  });

  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the JSON body and token, and reads the answer, over one kept-alive connection', async () => {
    const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
    handler = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ instanceId: seen.length, created: true }));
      });
    };
    sockets.clear();
    const client = new JobnestClient({ baseUrl, accessToken: 'tok' });
    for (let i = 1; i <= 5; i++) {
      assert.deepEqual(await client.runJob(3, { instanceParams: `p${i}` }), { instanceId: i, created: true });
    }
    assert.equal(seen.length, 5);
    assert.deepEqual(seen[4], {
      method: 'POST',
      url: '/api/v1/jobs/3/run',
      auth: 'Bearer tok',
      body: JSON.stringify({ instanceParams: 'p5' }),
    });
    assert.equal(sockets.size, 1, 'five sequential requests share one connection');
  });

  it('maps a non-2xx answer to JobnestApiError with the server message', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'instance 7 not found' }));
    };
    const err = await failureOf(new JobnestClient({ baseUrl, accessToken: 't' }).getInstance(7));
    assert.ok(err instanceof JobnestApiError, String(err));
    assert.equal(err.status, 404);
    assert.equal(err.message, 'instance 7 not found');
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const paths: string[] = [];
    handler = (req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    };
    const err = await failureOf(new JobnestClient({ baseUrl, accessToken: 't' }).getInstance(7));
    assert.ok(err instanceof JobnestApiError, String(err));
    assert.equal(err.status, 302);
    assert.deepEqual(paths, ['/api/v1/instances/7']);
  });

  it('times out a request whose body never ends, naming the timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":'); // and never more
    };
    const started = Date.now();
    const err = await failureOf(new JobnestClient({ baseUrl, accessToken: 't', timeoutMs: 300 }).getInstance(7));
    assert.ok(err instanceof JobnestConnectionError, String(err));
    assert.equal(err.code, 'TIMEOUT');
    assert.match(err.message, /no response within 300 ms/);
    assert.ok(Date.now() - started >= 290, 'the timer covers the body, not just the headers');
  });

  it('names the refused connection', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failureOf(
      new JobnestClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 't' }).getInstance(7),
    );
    assert.ok(err instanceof JobnestConnectionError, String(err));
    assert.equal(err.code, 'CONNECTION_FAILED');
    assert.match(err.message, /ECONNREFUSED/);
  });

  it('still sends with a caller-given fetch', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(instance));
    };
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const got = await new JobnestClient({ baseUrl, accessToken: 't', fetch: counting }).getInstance(7);
    assert.equal(got.id, 7);
    assert.equal(calls, 1);
  });
});

/**
 * A raw TCP server that answers each connection's first request with keep-alive and resets the connection on the
 * second, before answering it: a server closing an idle connection just as the client reuses it.
 */
describe('JobnestClient transport on a kept-alive connection closed under it', () => {
  let server: TcpServer;
  let baseUrl: string;
  let requests: string[] = [];
  const open = new Set<Socket>();

  before(async () => {
    server = createTcpServer((socket) => {
      open.add(socket);
      let answered = 0;
      let pending = '';
      socket.on('data', (data: Buffer) => {
        pending += data.toString();
        while (pending.includes('\r\n\r\n')) {
          const end = pending.indexOf('\r\n\r\n') + 4;
          const head = pending.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (pending.length < end + length) return;
          pending = pending.slice(end + length);
          requests.push(head.split('\r\n')[0]!);
          if (answered++ > 0) {
            socket.resetAndDestroy();
            return;
          }
          const body = JSON.stringify(instance);
          socket.write(
            `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
              `connection: keep-alive\r\n\r\n${body}`,
          );
        }
      });
      socket.on('error', () => undefined);
    });
    baseUrl = `http://127.0.0.1:${await listen(server)}`;
  });

  after(() => {
    for (const socket of open) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a GET once more on a new connection', async () => {
    requests = [];
    const client = new JobnestClient({ baseUrl, accessToken: 't' });
    await client.getInstance(7);
    const again = await client.getInstance(7);
    assert.equal(again.id, 7);
    assert.deepEqual(requests, [
      'GET /api/v1/instances/7 HTTP/1.1',
      'GET /api/v1/instances/7 HTTP/1.1',
      'GET /api/v1/instances/7 HTTP/1.1',
    ]);
  });

  it('sends it on a new connection, not on another idle one the server may have closed too', async () => {
    requests = [];
    const connectionsBefore = open.size;
    const client = new JobnestClient({ baseUrl, accessToken: 't' });
    // Two at once: two connections, each answered once, both left idle in the pool.
    await Promise.all([client.getInstance(7), client.getInstance(7)]);
    assert.equal(open.size - connectionsBefore, 2);
    const again = await client.getInstance(7);
    assert.equal(again.id, 7);
    assert.equal(requests.length, 4, `the reset request and its resend: ${requests.join(', ')}`);
    assert.equal(open.size - connectionsBefore, 3, 'the resend opened a third connection');
  });

  it('does not send a POST twice: the reset is the caller error', async () => {
    requests = [];
    const client = new JobnestClient({ baseUrl, accessToken: 't' });
    await client.getInstance(7);
    const err = await failureOf(client.runJob(3));
    assert.ok(err instanceof JobnestConnectionError, String(err));
    assert.match(err.message, /ECONNRESET|socket hang up/);
    assert.deepEqual(requests, ['GET /api/v1/instances/7 HTTP/1.1', 'POST /api/v1/jobs/3/run HTTP/1.1']);
  });
});

/** https with a private CA: the caller's https.Agent carries it. */
describe('JobnestClient transport over https', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let cert: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobnest-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(instance));
    });
    baseUrl = `https://127.0.0.1:${await listen(server)}`;
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('trusts the CA of the given agent', async () => {
    const agent = new HttpsAgent({ keepAlive: true, ca: cert });
    const got = await new JobnestClient({ baseUrl, accessToken: 't', agent }).getInstance(7);
    assert.equal(got.status, 'RUNNING');
    agent.destroy();
  });

  it('refuses a certificate nobody vouches for, as a connection error', async () => {
    const err = await failureOf(new JobnestClient({ baseUrl, accessToken: 't' }).getInstance(7));
    assert.ok(err instanceof JobnestConnectionError, String(err));
    assert.match(err.message, /self[- ]signed certificate/);
  });
});

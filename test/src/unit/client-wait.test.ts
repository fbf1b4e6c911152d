import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient, WaitTimeoutError } from '@jobnest/client';

/** A real HTTP server whose answers to GET /api/v1/instances/:id the test scripts, one per request. */
describe('JobnestClient.waitForInstance through a restarting server', () => {
  let server: Server;
  let baseUrl: string;
  let script: { status: number; body: unknown }[] = [];
  let requests = 0;

  const instance = (status: string) => ({ id: 7, jobId: 1, status, runningTimes: 1, result: 'done' });

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      const next = script.shift() ?? { status: 200, body: instance('RUNNING') };
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(next.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (): JobnestClient => new JobnestClient({ baseUrl, accessToken: 'token' });
  const unavailable = { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'starting' } };

  it('polls on through 502/503/504 answers and resolves with the finished instance', async () => {
    requests = 0;
    script = [
      { status: 200, body: instance('RUNNING') },
      unavailable,
      { status: 502, body: { statusCode: 502, error: 'Bad Gateway', message: 'x' } },
      { status: 504, body: { statusCode: 504, error: 'Gateway Timeout', message: 'x' } },
      { status: 200, body: instance('SUCCEEDED') },
    ];
    const done = await client().waitForInstance(7, { timeoutMs: 10_000, pollIntervalMs: 10 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(requests, 5);
  });

  it('keeps polling while no server listens, and names the connection error when the time runs out', async () => {
    // A port nothing listens on: every poll is refused, so the wait times out naming the connection error.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const started = Date.now();
    const err = await new JobnestClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 't' })
      .waitForInstance(7, { timeoutMs: 500, pollIntervalMs: 20 })
      .then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof WaitTimeoutError, String(err));
    assert.ok(Date.now() - started >= 500, 'it kept polling until the timeout');
    assert.match(err.message, /the last poll failed: Cannot reach Jobnest server/);
    assert.equal(err.lastInstance, null);
  });

  it('fails at once on an answer that waiting cannot change (404)', async () => {
    requests = 0;
    script = [{ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'instance 7 not found' } }];
    const err = await client()
      .waitForInstance(7, { timeoutMs: 10_000, pollIntervalMs: 10 })
      .then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof JobnestApiError && err.status === 404, String(err));
    assert.equal(requests, 1);
  });

  it('times out with the last status seen when the instance never finishes', async () => {
    script = [];
    const err = await client()
      .waitForInstance(7, { timeoutMs: 300, pollIntervalMs: 20 })
      .then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof WaitTimeoutError, String(err));
    assert.equal(err.lastInstance?.status, 'RUNNING');
    assert.doesNotMatch(err.message, /last poll failed/);
  });
});

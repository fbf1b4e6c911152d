import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient } from '@jobnest/client';
import { freePort } from '../../../tools/process-harness/dist/free-port';
import { exitCodeWithin, startProcess, type ManagedProcess } from '../support/child-process';
import { REPO_ROOT, TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';

const SERVER_MAIN = join(REPO_ROOT, 'apps', 'server', 'dist', 'main.js');
const API = '/api/v1';

/**
 * Secure defaults of the server, each checked on real server processes: the secret it refuses to boot without,
 * tokens it refuses, registration only by the admin, rate limits across servers, password changes that revoke
 * tokens, per-app quotas and a read-only bull-board.
 */
describe('security', () => {
  const cluster = new TestCluster();
  const extra: ManagedProcess[] = [];

  /** A server of this cluster's database and Redis prefix with its own settings; stopped after the file. */
  async function startServer(overrides: Record<string, string | undefined>): Promise<string> {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...cluster.serverEnv(port), ...overrides })) if (v !== undefined) env[k] = v;
    const server = startProcess(`server-${extra.length + 10}`, SERVER_MAIN, env);
    extra.push(server);
    await server.waitFor(/ready on http/);
    return `http://127.0.0.1:${port}`;
  }

  async function post(
    base: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  const basic = (user: string, password: string): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });

  before(async () => {
    await cluster.start();
  });

  after(async () => {
    await Promise.all(extra.map((p) => p.stop(5000)));
    await cluster.close();
  });

  it('refuses to boot without a token secret, or with a short one, naming the setting', async () => {
    const port = await freePort();
    const { JOBNEST_TOKEN_SECRET: _omitted, ...env } = cluster.serverEnv(port);
    const missing = startProcess('no-secret', SERVER_MAIN, env);
    assert.equal(await exitCodeWithin(missing), 1);
    assert.match(missing.logs, /Invalid configuration: JOBNEST_TOKEN_SECRET is required/);
    const short = startProcess('short-secret', SERVER_MAIN, { ...env, JOBNEST_TOKEN_SECRET: 'test-secret' });
    assert.equal(await exitCodeWithin(short), 1);
    assert.match(short.logs, /JOBNEST_TOKEN_SECRET must be at least 32 bytes/);
  });

  it('boots without a secret only in explicit development mode, with a warning', async () => {
    const base = await startServer({ JOBNEST_TOKEN_SECRET: undefined, JOBNEST_DEV: '1' });
    assert.match(extra.at(-1)!.logs, /JOBNEST_DEV=1: development mode/);
    // Its made-up secret is its own: a token of the cluster's servers does not verify there.
    const res = await fetch(`${base}${API}/jobs`, {
      headers: { authorization: `Bearer ${cluster.client.accessToken}` },
    });
    assert.equal(res.status, 401);
    await extra.pop()!.stop(5000);
  });

  it('rejects a token signed with the old public development secret', async () => {
    const body = Buffer.from(JSON.stringify({ a: 1, n: cluster.appName, v: 1, e: Date.now() + 60_000 })).toString(
      'base64url',
    );
    const forged = `${body}.${createHmac('sha256', 'jobnest-development-secret-change-me').update(body).digest('base64url')}`;
    const res = await fetch(`${cluster.baseUrl}${API}/jobs`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(res.status, 401);
    const error = (await res.json()) as { statusCode: number; error: string; message: string };
    assert.equal(error.statusCode, 401);
    assert.equal(error.error, 'Unauthorized');
  });

  it('lets only the admin register an app', async () => {
    const name = `reg_${cluster.ns.id}`;
    const anonymous = await post(cluster.baseUrl, `${API}/apps`, { name, password: 'app-password' });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
    const wrong = await post(
      cluster.baseUrl,
      `${API}/apps`,
      { name, password: 'app-password' },
      basic(TEST_ADMIN.username, 'not-the-admin-password'),
    );
    assert.equal(wrong.status, 401);
    const admin = await post(
      cluster.baseUrl,
      `${API}/apps`,
      { name, password: 'app-password' },
      basic(TEST_ADMIN.username, TEST_ADMIN.password),
    );
    assert.equal(admin.status, 201);
    const short = await post(
      cluster.baseUrl,
      `${API}/apps`,
      { name: `${name}_2`, password: 'short' },
      basic(TEST_ADMIN.username, TEST_ADMIN.password),
    );
    assert.equal(short.status, 400);
    assert.match(
      ((await short.json()) as { message: string[] | string }).message.toString(),
      /password must be 8-200 characters/,
    );
  });

  it('without an admin, registration answers 403 and bull-board is not served; open registration is explicit', async () => {
    const noAdmin = await startServer({ JOBNEST_ADMIN_PASSWORD: undefined });
    const refused = await post(noAdmin, `${API}/apps`, { name: `noadmin_${cluster.ns.id}`, password: 'app-password' });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { message: string }).message, /JOBNEST_ADMIN_PASSWORD/);
    assert.equal((await fetch(`${noAdmin}/admin/queues`)).status, 404);
    await extra.pop()!.stop(5000);

    const open = await startServer({ JOBNEST_ADMIN_PASSWORD: undefined, JOBNEST_OPEN_REGISTRATION: '1' });
    assert.match(extra.at(-1)!.logs, /JOBNEST_OPEN_REGISTRATION=1/);
    const created = await post(open, `${API}/apps`, { name: `open_${cluster.ns.id}`, password: 'app-password' });
    assert.equal(created.status, 201);
    await extra.pop()!.stop(5000);
  });

  it('answers one message for an unknown app and a wrong password, after the same scrypt work', async () => {
    const attempt = async (appName: string): Promise<{ ms: number; message: string }> => {
      const started = performance.now();
      const res = await post(cluster.baseUrl, `${API}/auth/token`, { appName, password: 'wrong-password' });
      const ms = performance.now() - started;
      assert.equal(res.status, 401);
      return { ms, message: ((await res.json()) as { message: string }).message };
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      const k = await attempt(cluster.appName);
      const u = await attempt(`no_such_app_${i}`);
      assert.equal(k.message, 'wrong app name or password');
      assert.equal(u.message, k.message);
      known.push(k.ms);
      unknown.push(u.ms);
    }
    // Without the decoy hash an unknown name answers in ~1 ms against ~30-60 ms for a scrypt: a 10x gap.
    assert.ok(
      median(unknown) > median(known) / 3,
      `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`,
    );
  });

  it('limits credential attempts per app name across servers, answering 429 with Retry-After', async () => {
    const limits = {
      JOBNEST_AUTH_RATE_LIMIT_PER_APP: '4',
      JOBNEST_AUTH_RATE_LIMIT_PER_IP: '1000',
      JOBNEST_AUTH_RATE_WINDOW_MS: '60000',
    };
    const [a, b] = [await startServer(limits), await startServer(limits)];
    const target = `victim_${cluster.ns.id}`;
    const statuses: number[] = [];
    for (const base of [a, b, a, b])
      statuses.push((await post(base, `${API}/auth/token`, { appName: target, password: 'guess' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    const blocked = await post(b, `${API}/auth/token`, { appName: target, password: 'guess' });
    assert.equal(blocked.status, 429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${blocked.headers.get('retry-after')}`);
    const body = (await blocked.json()) as { statusCode: number; message: string };
    assert.equal(body.statusCode, 429);
    // The same limit counts a password change for that name; another app name is not affected.
    assert.equal(
      (await post(a, `${API}/auth/password`, { appName: target, currentPassword: 'x', newPassword: 'new-password' }))
        .status,
      429,
    );
    assert.equal(
      (await post(a, `${API}/auth/token`, { appName: `other_${cluster.ns.id}`, password: 'guess' })).status,
      401,
    );
    await Promise.all(extra.splice(-2).map((p) => p.stop(5000)));
  });

  it('limits credential attempts per client IP, whatever the app name (behind a trusted proxy)', async () => {
    // The proxy's X-Forwarded-For gives each test client an address of its own (no traffic goes there).
    const base = await startServer({
      JOBNEST_AUTH_RATE_LIMIT_PER_IP: '5',
      JOBNEST_AUTH_RATE_LIMIT_PER_APP: '1000',
      JOBNEST_TRUST_PROXY: '1',
    });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await post(base, `${API}/auth/token`, { appName: `spray_${i}`, password: 'guess' }, from('203.0.113.7')))
          .status,
      );
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
    assert.equal(
      (await post(base, `${API}/auth/token`, { appName: 'spray_x', password: 'guess' }, from('203.0.113.8'))).status,
      401,
    );
    await extra.pop()!.stop(5000);
  });

  it('locks an IP out of Basic admin attempts after too many wrong passwords, the right one included', async () => {
    const base = await startServer({ JOBNEST_AUTH_RATE_LIMIT_PER_IP: '5', JOBNEST_TRUST_PROXY: '1' });
    const attempt = (password: string, ip: string) =>
      fetch(`${base}${API}/users`, { headers: { ...basic(TEST_ADMIN.username, password), 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong-${i}`, '203.0.113.20')).status, 401);
    const blocked = await attempt(TEST_ADMIN.password, '203.0.113.20');
    assert.equal(blocked.status, 429, 'no password is compared any more');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    // Another address, and right passwords, are not held back; nor is the admin's token.
    assert.equal((await attempt(TEST_ADMIN.password, '203.0.113.21')).status, 200);
    assert.equal((await attempt(TEST_ADMIN.password, '203.0.113.21')).status, 200);
    const login = await post(base, `${API}/auth/login`, TEST_ADMIN, { 'x-forwarded-for': '203.0.113.20' });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const withToken = await fetch(`${base}${API}/users`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(withToken.status, 200);
    await extra.pop()!.stop(5000);
  });

  it('revokes every token of an app when its password changes, on every server', async () => {
    const name = `rotate_${cluster.ns.id}`;
    const admin = new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN });
    await admin.createApp(name, 'first-password');
    const other = await startServer({});
    const onFirst = new JobnestClient({ baseUrl: cluster.baseUrl });
    const onOther = new JobnestClient({ baseUrl: other });
    await onFirst.login(name, 'first-password');
    onOther.setAccessToken(onFirst.accessToken);
    await onOther.listJobs(); // a token of one server works on another (one secret)

    await onFirst.changePassword(name, 'first-password', 'second-password');
    const unauthorized = (e: unknown) => e instanceof JobnestApiError && e.status === 401;
    await assert.rejects(onFirst.listJobs(), unauthorized); // at once on the server that changed it
    await waitUntil(
      async () => onOther.listJobs().then(() => false, unauthorized),
      3000,
      'the other server to refuse the old token',
    );
    await assert.rejects(onFirst.login(name, 'first-password'), unauthorized);
    await onFirst.login(name, 'second-password');
    await onFirst.listJobs();

    // The admin can reset a lost password; that revokes too.
    await admin.resetAppPassword(name, 'third-password');
    await assert.rejects(onFirst.listJobs(), unauthorized);
    await onFirst.login(name, 'third-password');
    await assert.rejects(
      new JobnestClient({ baseUrl: cluster.baseUrl }).resetAppPassword(name, 'fourth-password'),
      unauthorized,
    );
    await extra.pop()!.stop(5000);
  });

  it('lets a token die at its TTL', async () => {
    const base = await startServer({ JOBNEST_TOKEN_TTL_MS: '1500' });
    const client = new JobnestClient({ baseUrl: base });
    const { expiresAt } = await client.login(cluster.appName, cluster.appPassword);
    await client.listJobs();
    await waitUntil(() => Date.now() > expiresAt + 50, 5000, 'the token to expire');
    await assert.rejects(client.listJobs(), (e: unknown) => e instanceof JobnestApiError && e.status === 401);
    await extra.pop()!.stop(5000);
  });

  it('holds each app to its job quota and its fastest timer', async () => {
    const base = await startServer({ JOBNEST_MAX_JOBS_PER_APP: '2', JOBNEST_MIN_TIMER_INTERVAL_MS: '5000' });
    const name = `quota_${cluster.ns.id}`;
    const client = new JobnestClient({ baseUrl: base, admin: TEST_ADMIN });
    await client.createApp(name, 'quota-password');
    await client.login(name, 'quota-password');
    const job = (n: string, type: 'API' | 'CRON' | 'FIXED_RATE', timeExpression?: string) =>
      client.createJob({
        name: n,
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: type,
        timeExpression,
      });
    const badTimer = (e: unknown) =>
      e instanceof JobnestApiError && e.status === 400 && /JOBNEST_MIN_TIMER_INTERVAL_MS/.test(e.message);
    await assert.rejects(job('every-second', 'CRON', '* * * * * *'), badTimer);
    await assert.rejects(job('fast-rate', 'FIXED_RATE', '1000'), badTimer);
    await assert.rejects(job('burst', 'CRON', '*/2 0 * * * *'), badTimer); // every 2 s, but only in minute 0
    await job('slow-rate', 'FIXED_RATE', '5000');
    const second = await job('api', 'API');
    await assert.rejects(
      job('third', 'API'),
      (e: unknown) => e instanceof JobnestApiError && e.status === 403 && /JOBNEST_MAX_JOBS_PER_APP=2/.test(e.message),
    );
    // Updating an existing job to a faster timer is refused too; deleting one makes room.
    await assert.rejects(
      client.updateJob(second.id, {
        name: 'api',
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: 'FIXED_RATE',
        timeExpression: '100',
      }),
      badTimer,
    );
    await client.deleteJob(second.id);
    await job('third', 'API');
    // Other apps are not held by this app's count.
    await cluster.client.createJob({
      name: 'not-counted',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    await extra.pop()!.stop(5000);
  });

  it('serves bull-board to the admin only, and read-only', async () => {
    const board = `${cluster.baseUrl}/admin/queues`;
    assert.equal((await fetch(board)).status, 401);
    assert.equal((await fetch(board, { headers: basic(TEST_ADMIN.username, 'wrong-password!') })).status, 401);
    const auth = basic(TEST_ADMIN.username, TEST_ADMIN.password);
    assert.equal((await fetch(board, { headers: auth })).status, 200);
    const queues = (await (await fetch(`${board}/api/queues`, { headers: auth })).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    assert.ok(queues.queues.length >= 2);
    assert.ok(
      queues.queues.every((q) => q.readOnlyMode),
      'every queue is shown read-only',
    );
    const queue = encodeURIComponent(queues.queues[0]!.name);
    for (const [method, path] of [
      ['PUT', `/api/queues/${queue}/pause`],
      ['PUT', `/api/queues/pause`],
      ['PUT', `/api/queues/${queue}/retry/failed`],
      ['PUT', `/api/queues/${queue}/clean/completed`],
      ['DELETE', `/api/queues/${queue}/obliterate`],
    ] as const) {
      const res = await fetch(board + path, { method, headers: auth });
      assert.equal(res.status, 405, `${method} ${path}`);
    }
  });

  it('lets bull-board write only when JOBNEST_BOARD_WRITES=1', async () => {
    const base = await startServer({ JOBNEST_BOARD_WRITES: '1' });
    const auth = basic(TEST_ADMIN.username, TEST_ADMIN.password);
    const queues = (await (await fetch(`${base}/admin/queues/api/queues`, { headers: auth })).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    assert.ok(queues.queues.every((q) => !q.readOnlyMode));
    const name = queues.queues.find((q) => q.name.includes('dispatch'))!.name;
    const paused = await fetch(`${base}/admin/queues/api/queues/${encodeURIComponent(name)}/pause`, {
      method: 'PUT',
      headers: auth,
    });
    assert.equal(paused.status, 200);
    const resumed = await fetch(`${base}/admin/queues/api/queues/${encodeURIComponent(name)}/resume`, {
      method: 'PUT',
      headers: auth,
    });
    assert.equal(resumed.status, 200);
    await extra.pop()!.stop(5000);
  });
});

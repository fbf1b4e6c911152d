import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FinishedInstance, JobnestClient } from '@jobnest/client';
import { REPO_ROOT, TestCluster, waitUntil } from '../support/cluster';

/** The production entry: built-ins only, and only when switched on. */
const PRODUCTION_MAIN = join(REPO_ROOT, 'apps', 'worker', 'dist', 'main.js');

/**
 * The built-in `shell` and `http` processors are opt-in and guarded. Three production worker hosts: `bare` (no
 * switches), `open` (both switched on, no allow-lists) and `guarded` (both on, shell limited to `echo`, http
 * allowed to reach 127.0.0.1). Jobs are pinned to one of them with SPECIFY.
 */
describe('built-in processors of the worker host', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let tempDir: string;
  let server: Server;
  let port: number;
  /** Requests the local HTTP server answered, by path: proves whether a refused request got anywhere. */
  const hits = new Map<string, number>();

  before(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'jobnest-builtins-'));
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const redirects: Record<string, string> = {
        '/redirect-ok': '/ok',
        '/redirect-loopback-v6': `http://[::1]:${port}/ok`,
        '/redirect-private': 'http://10.0.0.1/ok',
      };
      if (path === '/ok') return void res.end('hello from the test server');
      if (path === '/fail') return void res.writeHead(500).end('boom');
      if (redirects[path]) return void res.writeHead(302, { location: redirects[path] }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;

    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'bare', script: PRODUCTION_MAIN });
    await cluster.startWorker({
      workerId: 'open',
      script: PRODUCTION_MAIN,
      extraEnv: {
        JOBNEST_ENABLE_SHELL: '1',
        JOBNEST_ENABLE_HTTP: 'true',
        JOBNEST_SHELL_ENV_PASSTHROUGH: 'PASSED_THROUGH',
        PASSED_THROUGH: 'visible',
        NOT_PASSED: 'hidden',
      },
    });
    await cluster.startWorker({
      workerId: 'guarded',
      script: PRODUCTION_MAIN,
      extraEnv: {
        JOBNEST_ENABLE_SHELL: '1',
        JOBNEST_ENABLE_HTTP: '1',
        JOBNEST_SHELL_ALLOWED_COMMANDS: 'echo',
        JOBNEST_HTTP_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
  });

  after(async () => {
    await cluster.close();
    await new Promise((resolve) => server?.close(resolve));
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  async function start(workerId: string, processor: string, params: string): Promise<number> {
    const job = await client.createJob({
      name: `${processor}-${Math.random().toString(36).slice(2, 8)}`,
      processor,
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: [workerId],
    });
    return (await client.runJob(job.id, { instanceParams: params })).instanceId;
  }

  async function run(workerId: string, processor: string, params: string): Promise<FinishedInstance> {
    const instanceId = await start(workerId, processor, params);
    try {
      return await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  function httpParams(url: string): string {
    return JSON.stringify({ url });
  }

  describe('the production entry without switches', () => {
    it('offers neither shell, http nor any demo processor', async () => {
      const bare = (await client.listWorkers()).find((w) => w.workerId === 'bare');
      assert.ok(bare, 'bare is listed');
      assert.deepEqual(
        bare.processors.filter((p) => p === 'shell' || p === 'http' || p.startsWith('demo.')),
        [],
      );
      assert.match(cluster.workers.get('bare')?.logs ?? '', /offers no processor: set JOBNEST_ENABLE_SHELL=1/);
      const open = (await client.listWorkers()).find((w) => w.workerId === 'open');
      assert.deepEqual(
        [...(open?.processors ?? [])].sort(),
        ['http', 'shell'],
        'switched on, they are listed (and no demo ones)',
      );
    });

    it('fails a shell job as not registered', async () => {
      const marker = join(tempDir, 'bare-ran');
      const instance = await run('bare', 'shell', `touch ${marker}`);
      assert.equal(instance.status, 'FAILED');
      assert.match(instance.result ?? '', /processor 'shell' is not registered on worker bare/);
      assert.ok(!existsSync(marker));
    });
  });

  describe('shell, switched on', () => {
    it('runs a command and returns its output', async () => {
      const instance = await run('open', 'shell', 'echo hi');
      assert.equal(instance.status, 'SUCCEEDED');
      assert.equal(instance.result, 'hi');
    });

    it("gives the command no JOBNEST_ setting and no connection URL of the worker, only the run's ids", async () => {
      const instance = await run('open', 'shell', 'env');
      assert.equal(instance.status, 'SUCCEEDED');
      const lines = (instance.result ?? '').split('\n');
      const jobnest = lines
        .filter((l) => l.startsWith('JOBNEST_'))
        .map((l) => l.split('=')[0])
        .sort();
      assert.deepEqual(jobnest, ['JOBNEST_ATTEMPT', 'JOBNEST_INSTANCE_ID', 'JOBNEST_JOB_ID']);
      assert.ok(lines.includes(`JOBNEST_INSTANCE_ID=${instance.id}`), instance.result ?? '');
      assert.ok(lines.includes('JOBNEST_ATTEMPT=1'));
      assert.doesNotMatch(instance.result ?? '', /redis:\/\/|mysql:\/\/|test-password/);
      assert.ok(lines.includes('PASSED_THROUGH=visible'), 'JOBNEST_SHELL_ENV_PASSTHROUGH passes what it lists');
      assert.ok(!lines.some((l) => l.startsWith('NOT_PASSED=')), 'and nothing else');
      assert.ok(lines.includes('PATH=/usr/local/bin:/usr/bin:/bin'));
    });

    it('kills a running command when its instance is stopped', async () => {
      const pidFile = join(tempDir, 'sleep.pid');
      // exec: the sleep is the shell itself, a direct child of the worker, so its PID is the one to watch.
      const instanceId = await start('open', 'shell', `echo $$ > ${pidFile} && exec sleep 30`);
      let pid = 0;
      await waitUntil(
        () => {
          pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
          return pid > 0;
        },
        20_000,
        'the command to write its PID',
      );
      assert.ok(isAlive(pid), 'the command runs');
      await client.stopInstance(instanceId);
      const stopped = await client.waitForInstance(instanceId, { timeoutMs: 20_000 });
      assert.equal(stopped.status, 'STOPPED');
      await waitUntil(() => !isAlive(pid), 10_000, `process ${pid} to be gone`);
    });

    it('under an allow-list, runs an allowed command', async () => {
      const instance = await run('guarded', 'shell', 'echo allowed');
      assert.equal(instance.status, 'SUCCEEDED');
      assert.equal(instance.result, 'allowed');
    });

    it('under an allow-list, refuses another command and never starts it', async () => {
      const instance = await run('guarded', 'shell', 'ls');
      assert.equal(instance.status, 'FAILED');
      assert.match(
        instance.result ?? '',
        /shell: refused the command: 'ls' is not one of JOBNEST_SHELL_ALLOWED_COMMANDS/,
      );
    });

    it('under an allow-list, refuses an allowed command chained to another', async () => {
      const chained = await run('guarded', 'shell', 'echo a; id');
      assert.equal(chained.status, 'FAILED');
      assert.match(chained.result ?? '', /contains ";"/);
      const marker = join(tempDir, 'chained-ran');
      const substituted = await run('guarded', 'shell', `echo $(touch ${marker})`);
      assert.equal(substituted.status, 'FAILED');
      assert.match(substituted.result ?? '', /contains "\$\("/);
      assert.ok(!existsSync(marker), 'nothing was started');
    });
  });

  describe('http, switched on', () => {
    const refused: [string, () => string, RegExp][] = [
      ['a loopback address', () => `http://127.0.0.1:${port}/ok`, /refused address 127\.0\.0\.1 .*loopback/],
      [
        'an IPv4-mapped loopback address',
        () => `http://[::ffff:127.0.0.1]:${port}/ok`,
        /refused address ::ffff:7f00:1 .*loopback/,
      ],
      [
        'a name that resolves to loopback',
        () => `http://localhost:${port}/ok`,
        /refused address (127\.0\.0\.1|::1) of host 'localhost'.*loopback/,
      ],
      [
        'the cloud metadata address',
        () => 'http://169.254.169.254/latest/meta-data/',
        /refused address 169\.254\.169\.254 .*cloud metadata/,
      ],
      [
        'the cloud metadata host name',
        () => 'http://metadata.google.internal/',
        /refused host 'metadata\.google\.internal'.*cloud metadata/,
      ],
      ['a scheme other than http(s)', () => 'file:///etc/passwd', /url must be an http\(s\) URL/],
    ];
    for (const [what, url, message] of refused) {
      it(`refuses ${what} before connecting`, async () => {
        const before = hits.get('/ok') ?? 0;
        const instance = await run('open', 'http', httpParams(url()));
        assert.equal(instance.status, 'FAILED');
        assert.match(instance.result ?? '', message);
        assert.equal(hits.get('/ok') ?? 0, before, 'the local server saw no request');
      });
    }

    it('reaches an allow-listed address: 2xx succeeds with the body', async () => {
      const instance = await run('guarded', 'http', httpParams(`http://127.0.0.1:${port}/ok`));
      assert.equal(instance.status, 'SUCCEEDED');
      assert.equal(instance.result, '200 hello from the test server');
    });

    it('fails on a 5xx answer of an allow-listed address', async () => {
      const instance = await run('guarded', 'http', httpParams(`http://127.0.0.1:${port}/fail`));
      assert.equal(instance.status, 'FAILED');
      assert.equal(instance.result, '500 boom');
    });

    it('follows a redirect to an allowed address', async () => {
      const instance = await run('guarded', 'http', httpParams(`http://127.0.0.1:${port}/redirect-ok`));
      assert.equal(instance.status, 'SUCCEEDED');
      assert.equal(instance.result, '200 hello from the test server');
    });

    for (const [path, message] of [
      ['/redirect-loopback-v6', /refused address ::1 .*loopback/],
      ['/redirect-private', /refused address 10\.0\.0\.1 .*private/],
    ] as const) {
      it(`refuses a redirect from an allowed address to a forbidden one (${path})`, async () => {
        const before = hits.get(path) ?? 0;
        const instance = await run('guarded', 'http', httpParams(`http://127.0.0.1:${port}${path}`));
        assert.equal(instance.status, 'FAILED');
        assert.match(instance.result ?? '', message);
        assert.equal(hits.get(path), before + 1, 'the first hop was sent, the redirect was not followed');
      });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

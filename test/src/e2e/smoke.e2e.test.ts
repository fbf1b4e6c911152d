import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job, JobnestClient, Page } from '@jobnest/client';
import { freePort } from '../support/free-port';
import { REPO_ROOT, TEST_ADMIN, TestCluster } from '../support/cluster';
import { TestNamespace } from '../support/isolated-namespace';

const DEMO = join(REPO_ROOT, 'scripts', 'dist', 'demo.js');
const CLI = join(REPO_ROOT, 'libs', 'client', 'dist', 'cli.js');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `node <script> <args>` to its end; killed (whole group) and rejected past `timeoutMs`. */
function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout kills the demo's server and workers too
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      reject(
        new Error(
          `${script} ${args.join(' ')} ran past ${timeoutMs} ms:\n${stdout.slice(-4000)}\n${stderr.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** README "What the demo does": `npm run demo -- --once` exits 0 when the demo job succeeded. */
describe('the demo, once', () => {
  const ns = new TestNamespace();

  after(async () => {
    await ns.drop();
  });

  it('runs the demo job, the MapReduce job and the workflow, and exits 0', async () => {
    const port = await freePort();
    const run = await runNode(
      DEMO,
      ['--once'],
      {
        PORT: String(port),
        JOBNEST_MYSQL_URL: ns.mysqlUrl,
        JOBNEST_REDIS_URL: ns.redisUrl,
        JOBNEST_PREFIX: ns.prefix,
      },
      300_000,
    );
    const output = `${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
    assert.equal(run.code, 0, output);
    assert.match(run.stdout, /instance \d+: SUCCEEDED on demo-worker-\d/, output);
    assert.match(run.stdout, /result: hello from demo-worker-\d: Jobnest demo/, output);
    // The workflow: the decision took its true branch, the untaken one was canceled, the context has every key.
    assert.match(run.stdout, /node check SUCCEEDED \(decided true\)/, output);
    assert.match(run.stdout, /node report CANCELED/, output);
    assert.match(
      run.stdout,
      /workflow instance \d+: SUCCEEDED; context \{"day":"[\d-]+","rows":1500,"a":"done","b":"done","loaded":true\}/,
      output,
    );
    assert.match(run.stdout, new RegExp(`Swagger UI: +http://127\\.0\\.0\\.1:${port}/api/docs`), output);
    // It stopped what it started: its server no longer answers.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) }));
  });
});

/** README "REST API": `jobnest` (libs/client/dist/cli.js) against a real server and worker. */
describe('the jobnest CLI', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'jobnest-cli-'));

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'cli-1' });
    env = { JOBNEST_URL: cluster.baseUrl, JOBNEST_APP: cluster.appName, JOBNEST_PASSWORD: cluster.appPassword };
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cluster.close();
  });

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    runNode(CLI, args, { ...env, ...extraEnv }, 90_000);

  it('creates a job from a file, lists it and runs it to SUCCEEDED', async () => {
    const file = join(dir, 'job.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'cli-echo',
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: 'API',
      }),
    );
    const created = await cli(['jobs', 'create', '--file', file]);
    assert.equal(created.code, 0, created.stderr);
    const job = JSON.parse(created.stdout) as Job;
    assert.equal(job.name, 'cli-echo');
    assert.equal((await client.getJob(job.id)).processor, 'demo.echo', 'the server has it');

    const listed = await cli(['jobs', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const page = JSON.parse(listed.stdout) as Page<Job>;
    assert.deepEqual(
      page.items.map((j) => [j.id, j.name]),
      [[job.id, 'cli-echo']],
    );

    const run = await cli(['run', String(job.id), '--params', 'from the CLI', '--wait', '--timeout', '60000']);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const [idLine, ...rest] = run.stdout.trim().split('\n');
    const instance = await client.getInstance(Number(idLine));
    assert.equal(instance.status, 'SUCCEEDED');
    assert.equal(instance.result, 'from the CLI');
    assert.deepEqual(rest, ['status: SUCCEEDED', 'result: from the CLI']);
  });

  it('exits 1 when the run it waited for failed, and 2 on a usage error', async () => {
    const job = await client.createJob({
      name: 'cli-fail',
      processor: 'demo.fail',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const run = await cli(['run', String(job.id), '--wait']);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^status: FAILED$/m);
    assert.match(run.stdout, /^result: demo failure$/m);
    const usage = await cli(['run', 'not-a-number']);
    assert.equal(usage.code, 2, `${usage.stdout}\n${usage.stderr}`);
  });

  it('creates an app as the admin and refuses a wrong admin password', async () => {
    const name = `cli_app_${cluster.ns.id}`;
    const made = await cli(['apps', 'create', name, 'cli-app-password'], {
      JOBNEST_ADMIN_USER: TEST_ADMIN.username,
      JOBNEST_ADMIN_PASSWORD: TEST_ADMIN.password,
    });
    assert.equal(made.code, 0, made.stderr);
    const listed = await cli(['jobs', 'list'], { JOBNEST_APP: name, JOBNEST_PASSWORD: 'cli-app-password' });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as Page<Job>).total, 0, "the new app sees none of the other app's jobs");
    const refused = await cli(['apps', 'create', `${name}_2`, 'cli-app-password'], {
      JOBNEST_ADMIN_PASSWORD: 'wrong-admin-password',
    });
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /401/);
  });
});

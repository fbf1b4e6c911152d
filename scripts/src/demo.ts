/**
 * `npm run demo`: one server and two workers as child processes, a demo app, a standalone job and a MapReduce job
 * across both workers, each run printed as it goes.
 * Ctrl-C stops everything; `--once` exits when the demo job ends (exit code 0 when it SUCCEEDED).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JobnestApiError,
  JobnestClient,
  type Instance,
  type WorkflowInstance,
  type WorkflowNode,
} from '@jobnest/client';

const ROOT = join(__dirname, '..', '..');
const once = process.argv.includes('--once');
const port = Number(process.env.PORT ?? 7700);
const baseUrl = `http://127.0.0.1:${port}`;
// No fixed secrets even in the demo: made up for this run unless given (the demo prints the admin password).
const adminUser = process.env.JOBNEST_ADMIN_USER ?? 'admin';
const adminPassword = process.env.JOBNEST_ADMIN_PASSWORD ?? randomBytes(9).toString('base64url');
const tokenSecret = process.env.JOBNEST_TOKEN_SECRET ?? randomBytes(32).toString('base64url');
const appName = 'demo';
const appPassword = 'demo-password';
const logDir = join(tmpdir(), 'jobnest-demo');
const children: ChildProcess[] = [];

function say(message: string): void {
  process.stdout.write(`[demo] ${message}\n`);
}

function start(name: string, script: string, env: Record<string, string>): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const out = createWriteStream(join(logDir, `${name}.log`));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (/error|Invalid configuration/i.test(text)) process.stderr.write(`[${name}] ${text}`);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); see ${join(logDir, `${name}.log`)}`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping server and workers...');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    say('stopped');
  }
  process.exit(code);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function login(client: JobnestClient): Promise<void> {
  try {
    await client.createApp(appName, appPassword);
    say(`registered app '${appName}'`);
  } catch (err) {
    if (!(err instanceof JobnestApiError && err.status === 409)) throw err;
    say(`app '${appName}' exists already`);
  }
  await client.login(appName, appPassword);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const shared = {
    JOBNEST_REDIS_URL: process.env.JOBNEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    JOBNEST_MYSQL_URL: process.env.JOBNEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/jobnest',
    JOBNEST_PREFIX: process.env.JOBNEST_PREFIX ?? 'jobnest',
  };
  say(`starting the server on ${baseUrl} (logs in ${logDir})`);
  start('server', join(ROOT, 'apps/server/dist/main.js'), {
    ...shared,
    PORT: String(port),
    JOBNEST_ADMIN_USER: adminUser,
    JOBNEST_ADMIN_PASSWORD: adminPassword,
    JOBNEST_TOKEN_SECRET: tokenSecret,
  });
  const client = new JobnestClient({ baseUrl, admin: { username: adminUser, password: adminPassword } });
  await waitFor('the server', async () => ((await client.health()).status === 'ok' ? true : undefined));
  await login(client);

  for (const id of ['demo-worker-1', 'demo-worker-2']) {
    start(id, join(ROOT, 'apps/worker/dist/demo-worker.main.js'), {
      ...shared,
      JOBNEST_APP_NAME: appName,
      JOBNEST_APP_PASSWORD: appPassword,
      JOBNEST_WORKER_ID: id,
    });
  }
  const workers = await waitFor('two workers', async () => {
    const live = await client.listWorkers();
    return live.length >= 2 ? live : undefined;
  });
  say(`workers online: ${workers.map((w) => `${w.workerId} (${w.processors.length} processors)`).join(', ')}`);

  const existing = (await client.listJobs({ size: 200 })).items.find((j) => j.name === 'demo-hello');
  const job =
    existing ??
    (await client.createJob({
      name: 'demo-hello',
      description: 'Logs three steps and greets',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      instanceRetries: 1,
    }));
  say(`job ${job.id} '${job.name}' runs processor ${job.processor}`);
  const { instanceId } = await client.runJob(job.id, { instanceParams: 'Jobnest demo' });
  say(`instance ${instanceId} created`);
  const finished: Instance = await client.waitForInstance(instanceId, {
    timeoutMs: 60_000,
    onStatus: (i) =>
      say(
        `instance ${i.id}: ${i.status}${i.workerId ? ` on ${i.workerId}` : ''}${i.statusReason ? ` (${i.statusReason})` : ''}`,
      ),
  });
  say(`result: ${finished.result ?? '(none)'}`);
  await new Promise((r) => setTimeout(r, 500)); // let the last log batch land
  for (const line of (await client.getInstanceLogs(instanceId)).items) {
    say(`  log ${new Date(line.time).toISOString()} ${line.level} [${line.workerId}] ${line.message}`);
  }
  const mapReduce = await runMapReduce(client);
  const workflow = await runWorkflowDemo(client);
  const ok = finished.status === 'SUCCEEDED' && mapReduce.status === 'SUCCEEDED' && workflow.status === 'SUCCEEDED';
  say(`console:     ${baseUrl}/console  (log in as ${adminUser}, password ${adminPassword})`);
  say(`Swagger UI:  ${baseUrl}/api/docs`);
  say(`bull-board:  ${baseUrl}/admin/queues  (user ${adminUser}, password ${adminPassword}, read-only)`);
  say(`health:      ${baseUrl}/health    metrics: ${baseUrl}/metrics`);
  if (once) await shutdown(ok ? 0 : 1);
  say('running; press Ctrl-C to stop');
}

/** Sum of squares of 1..200,000 in 2,000 subtasks spread over both workers, reduced on the TaskTracker. */
async function runMapReduce(client: JobnestClient): Promise<Instance> {
  const existing = (await client.listJobs({ size: 200 })).items.find((j) => j.name === 'demo-sum-squares');
  const job =
    existing ??
    (await client.createJob({
      name: 'demo-sum-squares',
      description: 'MapReduce: sum of squares of 1..n in subtasks of 100 numbers',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 8,
      taskRetries: 1,
    }));
  const n = 200_000;
  say(`MapReduce job ${job.id} '${job.name}': sum of squares of 1..${n} in subtasks of 100 numbers`);
  const { instanceId } = await client.runJob(job.id, { instanceParams: JSON.stringify({ n, chunk: 100 }) });
  let last = '';
  let finished: Instance;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const i = await client.getInstance(instanceId);
    const t = i.tasks;
    const line =
      `instance ${i.id}: ${i.status}${i.workerId ? ` (TaskTracker ${i.workerId})` : ''}` +
      (t ? ` tasks ${t.succeeded + t.failed}/${t.total} done, ${t.running} running` : '');
    if (line !== last) say(line);
    last = line;
    if (['SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED'].includes(i.status)) {
      finished = i;
      break;
    }
    if (Date.now() > deadline) throw new Error(`MapReduce instance ${instanceId} did not finish in 120 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const t = finished.tasks;
  if (t) say(`tasks: ${t.total} total, ${t.succeeded} succeeded, ${t.failed} failed`);
  const byWorker = new Map<string, number>();
  for (let page = 1; ; page++) {
    const rows = await client.listInstanceTasks(instanceId, { page, size: 200 });
    for (const row of rows.items) if (row.workerId) byWorker.set(row.workerId, (byWorker.get(row.workerId) ?? 0) + 1);
    if (page * 200 >= rows.total) break;
  }
  say(`subtasks per worker: ${[...byWorker].map(([w, c]) => `${w}: ${c}`).join(', ')}`);
  const expected = (BigInt(n) * BigInt(n + 1) * BigInt(2 * n + 1)) / 6n;
  say(`reduced result: ${finished.result ?? '(none)'} (expected sum ${expected})`);
  return finished;
}

/**
 * A workflow: extract -> (transformA, transformB) -> check (CEL: context.rows > 1000.0) -> true: load, false:
 * report. Every node runs demo.workflow-step with its own params (the keys it adds to the context).
 */
async function runWorkflowDemo(client: JobnestClient): Promise<WorkflowInstance> {
  const jobs = (await client.listJobs({ size: 200 })).items;
  const step =
    jobs.find((j) => j.name === 'demo-workflow-step') ??
    (await client.createJob({
      name: 'demo-workflow-step',
      description: 'A workflow node: adds its params.set to the workflow context',
      processor: 'demo.workflow-step',
      executeType: 'STANDALONE',
      timeExpressionType: 'WORKFLOW',
    }));
  const node = (id: string, set: Record<string, unknown>): WorkflowNode => ({
    id,
    type: 'JOB',
    jobId: step.id,
    params: JSON.stringify({ set, sleepMs: 200 }),
  });
  const existing = (await client.listWorkflows({ size: 200 })).items.find((w) => w.name === 'demo-etl');
  const workflow =
    existing ??
    (await client.createWorkflow({
      name: 'demo-etl',
      description: 'A diamond and a decision: extract, two transforms, then load only on a big day',
      timeExpressionType: 'API',
      dag: {
        nodes: [
          node('extract', { rows: 1500 }),
          node('transformA', { a: 'done' }),
          node('transformB', { b: 'done' }),
          { id: 'check', type: 'DECISION', expression: 'context.rows > 1000.0' },
          node('load', { loaded: true }),
          node('report', { reported: true }),
        ],
        edges: [
          { from: 'extract', to: 'transformA' },
          { from: 'extract', to: 'transformB' },
          { from: 'transformA', to: 'check' },
          { from: 'transformB', to: 'check' },
          { from: 'check', to: 'load', label: 'true' },
          { from: 'check', to: 'report', label: 'false' },
        ],
      },
    }));
  say(`workflow ${workflow.id} '${workflow.name}': extract -> (transformA, transformB) -> check -> load | report`);
  const { workflowInstanceId } = await client.runWorkflow(workflow.id, {
    initParams: JSON.stringify({ day: new Date().toISOString().slice(0, 10) }),
  });
  const seen = new Map<string, string>();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const wf = await client.getWorkflowInstance(workflowInstanceId);
    for (const n of wf.nodes) {
      if (seen.get(n.id) === n.status) continue;
      seen.set(n.id, n.status);
      const detail =
        n.decision !== null ? ` (decided ${n.decision})` : n.instanceId ? ` (instance ${n.instanceId})` : '';
      say(`workflow instance ${wf.id}: node ${n.id} ${n.status}${detail}`);
    }
    if (['SUCCEEDED', 'FAILED', 'STOPPED'].includes(wf.status)) {
      say(`workflow instance ${wf.id}: ${wf.status}; context ${JSON.stringify(wf.context)}`);
      return wf;
    }
    if (Date.now() > deadline) throw new Error(`workflow instance ${workflowInstanceId} did not finish in 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[demo] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  void shutdown(1);
});

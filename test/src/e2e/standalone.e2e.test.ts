import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient, type Instance, type JobInput } from '@jobnest/client';
import { TEST_ADMIN, TestCluster, TEST_TIMINGS, waitUntil } from '../support/cluster';
import { sampleValue } from '../support/prometheus-text';
import { allLogEntries, pollUntil } from '../support/wait-until';

/** One server, two workers (w1 tagged "blue", w2 tagged "green"), one app: the standalone job path end to end. */
describe('standalone jobs end to end', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1', tags: ['blue'], extraEnv: { JOBNEST_ENABLE_SHELL: '1' } });
    await cluster.startWorker({ workerId: 'w2', tags: ['green'] });
  });

  after(async () => {
    await cluster.close();
  });

  async function job(over: Partial<JobInput>): Promise<number> {
    const created = await client.createJob({
      name: `job-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  async function runToEnd(jobId: number, instanceParams?: string, timeoutMs = 30_000): Promise<Instance> {
    const { instanceId } = await client.runJob(jobId, instanceParams === undefined ? {} : { instanceParams });
    try {
      return await client.waitForInstance(instanceId, { timeoutMs });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  /** The server's counters, read from /metrics. */
  async function counters(): Promise<Record<string, number>> {
    const text = await (await fetch(`${cluster.baseUrl}/metrics`)).text();
    const finished = (status: string): number => sampleValue(text, 'jobnest_instances_finished_total', { status });
    return {
      succeeded: finished('SUCCEEDED'),
      failed: finished('FAILED'),
      stopped: finished('STOPPED'),
      canceled: finished('CANCELED'),
      sent: sampleValue(text, 'jobnest_dispatches_total', { outcome: 'sent' }),
      applied: sampleValue(text, 'jobnest_status_reports_total', { outcome: 'applied' }),
      logLines: sampleValue(text, 'jobnest_log_lines_total'),
      liveWorkers: sampleValue(text, 'jobnest_live_workers'),
    };
  }

  /** Every instance of the app, page by page. */
  async function allInstances(): Promise<Instance[]> {
    const all: Instance[] = [];
    for (let page = 1; ; page++) {
      const { items } = await client.listInstances({ page, size: 200 });
      all.push(...items);
      if (items.length < 200) return all;
    }
  }

  async function logMessages(instanceId: number, minLines: number): Promise<string[]> {
    let messages: string[] = [];
    await waitUntil(
      async () => {
        messages = (await client.getInstanceLogs(instanceId, { limit: 5000 })).items.map((l) => l.message);
        return messages.length >= minLines;
      },
      10_000,
      `${minLines} log lines of instance ${instanceId}`,
    );
    return messages;
  }

  it('runs a job through the API and returns the processor result', async () => {
    const jobId = await job({ processor: 'demo.echo' });
    const instance = await runToEnd(jobId, 'ping');
    assert.equal(instance.status, 'SUCCEEDED', JSON.stringify(instance));
    assert.equal(instance.result, 'ping');
    assert.equal(instance.runningTimes, 1);
    assert.ok(instance.workerId === 'w1' || instance.workerId === 'w2');
    assert.ok(instance.actualTriggerTime !== null && instance.finishedTime !== null);
    assert.ok(instance.finishedTime >= instance.actualTriggerTime);
  });

  it('re-runs a throwing processor instanceRetries times, then fails with its error', async () => {
    const jobId = await job({ processor: 'demo.fail', instanceRetries: 2 });
    const instance = await runToEnd(jobId);
    assert.equal(instance.status, 'FAILED');
    assert.equal(instance.runningTimes, 3);
    assert.match(instance.result ?? '', /demo failure/);
    const attempts = (await logMessages(instance.id, 3)).filter((m) => m.startsWith('attempt'));
    assert.deepEqual(attempts, ['attempt 1 of run 1', 'attempt 1 of run 2', 'attempt 1 of run 3']);
  });

  it('re-runs a failed attempt taskRetries times on the worker', async () => {
    const jobId = await job({ processor: 'demo.fail', taskRetries: 2 });
    const instance = await runToEnd(jobId);
    assert.equal(instance.status, 'FAILED');
    assert.equal(instance.runningTimes, 1);
    const attempts = (await logMessages(instance.id, 3)).filter((m) => m.startsWith('attempt'));
    assert.deepEqual(attempts, ['attempt 1 of run 1', 'attempt 2 of run 1', 'attempt 3 of run 1']);
  });

  it('fails an instance at its time limit and aborts the processor signal', async () => {
    const jobId = await job({ processor: 'demo.sleep', jobParams: '60000', instanceTimeLimitMs: 1500 });
    const started = Date.now();
    const instance = await runToEnd(jobId);
    assert.equal(instance.status, 'FAILED');
    assert.match(instance.result ?? '', /time limit of 1500 ms/);
    assert.ok(Date.now() - started < 15_000, 'the time limit ended the run long before the processor would have');
    const messages = await logMessages(instance.id, 2);
    assert.ok(
      messages.some((m) => /^aborted: .*time limit/.test(m)),
      `processor saw the abort: ${messages.join(' | ')}`,
    );
  });

  it('stops a running instance: STOPPED and the processor aborted', async () => {
    const jobId = await job({ processor: 'demo.sleep', jobParams: '60000' });
    const { instanceId } = await client.runJob(jobId, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
    const conflict = (e: unknown) => e instanceof JobnestApiError && e.status === 409;
    await assert.rejects(client.retryInstance(instanceId), conflict, 'retry only when finished');
    await assert.rejects(client.cancelInstance(instanceId), conflict, 'cancel only while waiting');
    const stopped = await client.stopInstance(instanceId);
    assert.equal(stopped.status, 'STOPPED');
    const messages = await logMessages(instanceId, 2);
    assert.ok(
      messages.some((m) => /^aborted: stopped/.test(m)),
      messages.join(' | '),
    );
    await assert.rejects(client.stopInstance(instanceId), conflict);
    await assert.rejects(client.cancelInstance(instanceId), conflict, 'a finished instance cannot be canceled');
  });

  it('returns the lines of a run in order, page by page', async () => {
    const jobId = await job({ processor: 'demo.logs', jobParams: '120' });
    const instance = await runToEnd(jobId);
    assert.equal(instance.status, 'SUCCEEDED');
    await logMessages(instance.id, 120);
    const lines: string[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await client.getInstanceLogs(instance.id, { after, limit: 50 });
      if (page.items.length === 0) break;
      lines.push(...page.items.map((l) => l.message));
      assert.ok(page.items.every((l) => l.workerId === instance.workerId && l.level === 'INFO'));
      after = page.nextAfter ?? undefined;
    }
    const numbered = lines.filter((m) => m.startsWith('line '));
    assert.deepEqual(
      numbered,
      Array.from({ length: 120 }, (_, i) => `line ${i + 1}`),
    );
  });

  it('limits concurrent instances with maxInstances', async () => {
    const jobId = await job({ processor: 'demo.sleep', jobParams: '60000', maxInstances: 1 });
    const { instanceId } = await client.runJob(jobId, {});
    await assert.rejects(
      client.runJob(jobId, {}),
      (e: unknown) => e instanceof JobnestApiError && e.status === 409 && /maxInstances=1/.test(e.message),
    );
    await client.stopInstance(instanceId);
    const again = await client.runJob(jobId, {});
    await client.stopInstance(again.instanceId);
  });

  it('dispatches to the designated worker by id or tag', async () => {
    const byId = await runToEnd(await job({ dispatchStrategy: 'SPECIFY', designatedWorkers: ['w2'] }));
    assert.equal(byId.workerId, 'w2');
    const byTag = await runToEnd(await job({ dispatchStrategy: 'SPECIFY', designatedWorkers: ['blue'] }));
    assert.equal(byTag.workerId, 'w1');
  });

  it('keeps an instance waiting with a reason, lets it be canceled, and fails it after the no-worker grace', async () => {
    const jobId = await job({ dispatchStrategy: 'SPECIFY', designatedWorkers: ['nobody'] });
    const first = await client.runJob(jobId, {});
    await waitUntil(
      async () => /waiting for a worker/.test((await client.getInstance(first.instanceId)).statusReason ?? ''),
      5000,
      'wait reason',
    );
    const waiting = await client.getInstance(first.instanceId);
    assert.equal(waiting.status, 'WAITING_DISPATCH');
    assert.match(waiting.statusReason ?? '', /designatedWorkers \[nobody\]/);
    assert.equal((await client.cancelInstance(first.instanceId)).status, 'CANCELED');
    await assert.rejects(
      client.cancelInstance(first.instanceId),
      (e: unknown) => e instanceof JobnestApiError && e.status === 409,
    );

    const second = await client.runJob(jobId, {});
    const failed = await client.waitForInstance(second.instanceId, {
      timeoutMs: TEST_TIMINGS.noWorkerGraceMs + 10_000,
    });
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.result ?? '', /no worker available/);
  });

  it('fails a run whose processor the worker lacks, naming processor and worker', async () => {
    const instance = await runToEnd(await job({ processor: 'no.such.processor' }));
    assert.equal(instance.status, 'FAILED');
    assert.match(instance.result ?? '', /no\.such\.processor/);
    assert.ok(instance.result?.includes(instance.workerId ?? '???'), instance.result ?? '');
  });

  it('retries a finished instance as its next run', async () => {
    const jobId = await job({ processor: 'demo.echo' });
    const first = await runToEnd(jobId, 'again');
    await assert.rejects(
      client.retryInstance(first.id + 1000000),
      (e: unknown) => e instanceof JobnestApiError && e.status === 404,
    );
    await client.retryInstance(first.id);
    const second = await client.waitForInstance(first.id, { timeoutMs: 20_000 });
    assert.equal(second.status, 'SUCCEEDED');
    assert.equal(second.runningTimes, 2);
    assert.equal(second.result, 'again');
  });

  it('delays a run by delayMs', async () => {
    const jobId = await job({ processor: 'demo.echo' });
    const requestedAt = Date.now();
    const { instanceId } = await client.runJob(jobId, { delayMs: 1500 });
    assert.equal((await client.getInstance(instanceId)).status, 'WAITING_DISPATCH');
    // Still waiting two thirds into the delay (a slow machine only makes it wait longer).
    await waitUntil(() => Date.now() >= requestedAt + 1000, 5000, 'two thirds of the delay');
    assert.equal((await client.getInstance(instanceId)).status, 'WAITING_DISPATCH', 'not dispatched before its time');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.ok(done.expectedTriggerTime >= requestedAt + 1500, 'the slot is the request time plus the delay');
    assert.ok((done.actualTriggerTime ?? 0) >= done.expectedTriggerTime, 'not dispatched before its time');
  });

  it('lists the live workers with their processors and tags', async () => {
    const workers = await client.listWorkers();
    assert.deepEqual(
      workers.map((w) => w.workerId),
      ['w1', 'w2'],
    );
    const w1 = workers[0]!;
    assert.deepEqual(w1.tags, ['blue']);
    assert.ok(w1.processors.includes('demo.echo') && w1.processors.includes('shell'));
    assert.ok(!workers[1]!.processors.includes('shell'), 'shell is registered only where JOBNEST_ENABLE_SHELL is on');
    assert.ok(w1.metrics.cpuCores > 0 && w1.lastHeartbeat > Date.now() - 10_000);
  });

  it('answers bad requests with 400, 401 and 404 and a message', async () => {
    await assert.rejects(
      client.createJob({
        name: 'bad',
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '61 * * * *',
      }),
      (e: unknown) => e instanceof JobnestApiError && e.status === 400 && /timeExpression/.test(e.message),
    );
    await assert.rejects(
      client.createJob({
        name: 'bad',
        processor: 'demo.echo',
        executeType: 'SOMETIMES' as 'STANDALONE',
        timeExpressionType: 'API',
        maxInstances: -1,
      }),
      (e: unknown) =>
        e instanceof JobnestApiError &&
        e.status === 400 &&
        /executeType/.test(e.message) &&
        /maxInstances/.test(e.message),
    );
    const anonymous = new JobnestClient({ baseUrl: cluster.baseUrl });
    await assert.rejects(
      anonymous.login(cluster.appName, 'wrong-password'),
      (e: unknown) => e instanceof JobnestApiError && e.status === 401,
    );
    anonymous.setAccessToken('forged.token');
    await assert.rejects(anonymous.listJobs(), (e: unknown) => e instanceof JobnestApiError && e.status === 401);
    await assert.rejects(
      client.createApp(cluster.appName, 'whatever1'),
      (e: unknown) => e instanceof JobnestApiError && e.status === 409,
    );
  });

  it("hides another app's jobs and instances (404)", async () => {
    const jobId = await job({ processor: 'demo.echo' });
    const instance = await runToEnd(jobId, 'mine');
    const other = new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN });
    await other.createApp(`other_${cluster.ns.id}`, 'other-password');
    await other.login(`other_${cluster.ns.id}`, 'other-password');
    await assert.rejects(
      other.getInstance(instance.id),
      (e: unknown) => e instanceof JobnestApiError && e.status === 404,
    );
    await assert.rejects(other.getJob(jobId), (e: unknown) => e instanceof JobnestApiError && e.status === 404);
    await assert.rejects(other.runJob(jobId, {}), (e: unknown) => e instanceof JobnestApiError && e.status === 404);
    await assert.rejects(
      other.getInstanceLogs(instance.id),
      (e: unknown) => e instanceof JobnestApiError && e.status === 404,
    );
    const notFound = (e: unknown) => e instanceof JobnestApiError && e.status === 404;
    const definition = {
      name: 'stolen',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    } as const;
    for (const [route, call] of [
      ['PUT /jobs/:id', () => other.updateJob(jobId, definition)],
      ['POST /jobs/:id/disable', () => other.disableJob(jobId)],
      ['POST /jobs/:id/enable', () => other.enableJob(jobId)],
      ['DELETE /jobs/:id', () => other.deleteJob(jobId)],
      ['POST /instances/:id/stop', () => other.stopInstance(instance.id)],
      ['POST /instances/:id/cancel', () => other.cancelInstance(instance.id)],
      ['POST /instances/:id/retry', () => other.retryInstance(instance.id)],
      ['GET /instances/:id/tasks', () => other.listInstanceTasks(instance.id)],
    ] as const) {
      await assert.rejects((call as () => Promise<unknown>)(), notFound, route);
    }
    const mine = await client.getJob(jobId);
    assert.notEqual(mine.name, 'stolen', 'the other app changed nothing');
    assert.equal(mine.enabled, true, 'the other app changed nothing');
    assert.deepEqual(await other.listWorkers(), []);
    assert.equal((await other.listInstances({})).total, 0);
  });

  it('updates, disables, enables and deletes jobs', async () => {
    const jobId = await job({ processor: 'demo.echo', description: 'v1' });
    const updated = await client.updateJob(jobId, {
      name: 'renamed',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '0 0 3 * * *',
      timeZone: 'Europe/Paris',
    });
    assert.equal(updated.name, 'renamed');
    assert.equal(updated.description, '', 'PUT replaces the whole definition');
    assert.equal(updated.timeZone, 'Europe/Paris');
    assert.equal((await client.disableJob(jobId)).enabled, false);
    assert.equal((await client.enableJob(jobId)).enabled, true);
    await client.deleteJob(jobId);
    await assert.rejects(client.getJob(jobId), (e: unknown) => e instanceof JobnestApiError && e.status === 404);
  });

  it('serves health, metrics, Swagger and a protected bull-board with the worker queues', async () => {
    assert.equal((await client.health()).status, 'ok');
    const before = await counters();
    assert.equal((await runToEnd(await job({ processor: 'demo.echo' }), 'count me')).status, 'SUCCEEDED');
    // This run moved the counters: one more success, one more RunInstance sent, its reports applied.
    const now = await pollUntil(
      counters,
      (c) => c.succeeded > before.succeeded && c.sent > before.sent && c.applied > before.applied,
      10_000,
      `the run counted in /metrics (before: ${JSON.stringify(before)})`,
    );
    // And every run this file made is counted (a single server made them all): at least as many final statuses as
    // the API shows (a user retry ends an instance twice), a RunInstance sent per run, a final report applied per
    // success, every stored log line.
    const instances = await allInstances();
    const ended = (status: string): number => instances.filter((i) => i.status === status).length;
    const runs = instances.reduce((sum, i) => sum + i.runningTimes, 0);
    let logLines = 0;
    for (const i of instances) logLines += (await allLogEntries(client, i.id)).length;
    const stored = {
      succeeded: ended('SUCCEEDED'),
      failed: ended('FAILED'),
      stopped: ended('STOPPED'),
      runs,
      logLines,
    };
    const counted = await pollUntil(
      counters,
      (c) =>
        c.succeeded >= stored.succeeded &&
        c.failed >= stored.failed &&
        c.stopped >= stored.stopped &&
        c.canceled >= ended('CANCELED') &&
        c.sent >= runs &&
        c.applied >= stored.succeeded &&
        c.logLines >= logLines,
      10_000,
      `the counters to cover what the API shows: ${JSON.stringify(stored)}`,
    );
    assert.ok(stored.succeeded > 0 && runs >= stored.succeeded, JSON.stringify(stored));
    // runningTimes counts dispatches, so the RunInstance commands sent are exactly the runs (none failed to send here).
    assert.equal(counted.sent, runs, 'one RunInstance sent per run');
    assert.equal(now.liveWorkers, 2, 'the live-workers gauge counts w1 and w2');
    assert.equal((await fetch(`${cluster.baseUrl}/api/docs`)).status, 200);
    assert.equal((await fetch(`${cluster.baseUrl}/admin/queues`)).status, 401);
    const auth = { authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}` };
    assert.equal((await fetch(`${cluster.baseUrl}/admin/queues`, { headers: auth })).status, 200);
    const queues = (await (await fetch(`${cluster.baseUrl}/admin/queues/api/queues`, { headers: auth })).json()) as {
      queues: { name: string }[];
    };
    const names = queues.queues.map((q) => q.name).sort();
    assert.deepEqual(names, [
      'jobnest-alarms',
      'jobnest-dispatch',
      'jobnest-trigger',
      'jobnest-worker-w1',
      'jobnest-worker-w2',
    ]);
  });
});

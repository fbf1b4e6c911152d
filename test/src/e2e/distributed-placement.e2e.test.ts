import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Instance, JobInput, JobnestClient, TaskView } from '@jobnest/client';
import { TestCluster } from '../support/cluster';
import { allLogEntries, pollUntil, waitForLogLine } from '../support/wait-until';

interface SlotResult {
  workerId: string;
  runningAtStart: number;
}

/**
 * Map and Broadcast placement on three worker processes (d1 and d2 tagged "pair", d3 tagged "odd"): README "Map,
 * MapReduce and Broadcast" (concurrency per worker, maxWorkerCount / designatedWorkers / minCpuCores / minMemoryMb,
 * the default postProcess, broadcast subtasks of a dead worker fail, a fresh run deletes the old task rows).
 */
describe('distributed runs: concurrency, placement, broadcast outcomes', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let db: Connection;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'd1', tags: ['pair'] });
    await cluster.startWorker({ workerId: 'd2', tags: ['pair'] });
    await cluster.startWorker({ workerId: 'd3', tags: ['odd'] });
    db = await createConnection(cluster.ns.mysqlUrl);
  });

  after(async () => {
    await db?.end();
    await cluster.close();
  });

  async function job(over: Partial<JobInput>): Promise<number> {
    const created = await client.createJob({
      name: `dp-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.concurrency',
      executeType: 'MAP',
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  async function runToEnd(jobId: number, params?: object, timeoutMs = 120_000): Promise<Instance> {
    const { instanceId } = await client.runJob(
      jobId,
      params === undefined ? {} : { instanceParams: JSON.stringify(params) },
    );
    try {
      return await client.waitForInstance(instanceId, { timeoutMs });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  async function allTasks(instanceId: number): Promise<TaskView[]> {
    const tasks: TaskView[] = [];
    for (let page = 1; ; page++) {
      const got = await client.listInstanceTasks(instanceId, { page, size: 200 });
      tasks.push(...got.items);
      if (got.items.length === 0 || tasks.length >= got.total) return tasks;
    }
  }

  async function slotResults(instanceId: number): Promise<SlotResult[]> {
    return (await allTasks(instanceId))
      .filter((t) => t.taskName === 'SLOT')
      .map((t) => {
        assert.equal(t.status, 'SUCCEEDED', JSON.stringify(t));
        const r = JSON.parse(t.result ?? '{}') as SlotResult;
        assert.equal(r.workerId, t.workerId, 'the row names the worker that ran the subtask');
        return r;
      });
  }

  function peaksByWorker(results: SlotResult[]): Map<string, number> {
    const peaks = new Map<string, number>();
    for (const r of results) peaks.set(r.workerId, Math.max(peaks.get(r.workerId) ?? 0, r.runningAtStart));
    return peaks;
  }

  for (const concurrency of [1, 3]) {
    it(`runs at most concurrency=${concurrency} subtasks of an instance at once on each worker`, async (t) => {
      // 60 subtasks of 300 ms: every worker gets far more than `concurrency` of them queued at once.
      const done = await runToEnd(await job({ concurrency }), { count: 60, sleepMs: 300 });
      assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
      const results = await slotResults(done.id);
      assert.equal(results.length, 60);
      const peaks = peaksByWorker(results);
      const shown = JSON.stringify([...peaks]);
      t.diagnostic(`peak subtasks at once per worker: ${shown}`);
      for (const [worker, peak] of peaks) assert.ok(peak <= concurrency, `${worker} ran ${peak} at once: ${shown}`);
      // The measurement does see subtasks that overlap (a worker ignoring `concurrency` would show up).
      if (concurrency > 1) assert.ok(Math.max(...peaks.values()) >= 2, `no overlap measured: ${shown}`);
    });
  }

  it('runs the subtasks only on the designatedWorkers (SPECIFY, by tag)', async () => {
    const done = await runToEnd(
      await job({ concurrency: 4, dispatchStrategy: 'SPECIFY', designatedWorkers: ['pair'] }),
      {
        count: 60,
        sleepMs: 20,
      },
    );
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.ok(['d1', 'd2'].includes(done.workerId ?? ''), `TaskTracker on ${done.workerId}`);
    const workers = new Set((await slotResults(done.id)).map((r) => r.workerId));
    assert.ok(!workers.has('d3'), `subtasks ran on ${[...workers].join(', ')}`);
  });

  it('runs the subtasks on at most maxWorkerCount workers', async () => {
    const done = await runToEnd(await job({ concurrency: 2, maxWorkerCount: 1 }), { count: 60, sleepMs: 20 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const workers = new Set((await slotResults(done.id)).map((r) => r.workerId));
    assert.equal(workers.size, 1, `subtasks ran on ${[...workers].join(', ')}`);
  });

  it('keeps an instance waiting while no worker has minCpuCores or minMemoryMb, and runs it where they suffice', async () => {
    const live = await client.listWorkers();
    const cores = Math.min(...live.map((w) => w.metrics.cpuCores));
    for (const [over, reason] of [
      [{ minCpuCores: cores + 1000 }, `no live worker has ${cores + 1000} CPU cores`],
      [{ minMemoryMb: 2_000_000_000 }, 'no live worker has 2000000000 MB free memory'],
    ] as const) {
      const { instanceId } = await client.runJob(await job(over), { instanceParams: '{"count":3,"sleepMs":0}' });
      const waiting = await pollUntil(
        () => client.getInstance(instanceId),
        (i) => (i.statusReason ?? '').includes(reason),
        15_000,
        `instance ${instanceId} to wait: ${reason}`,
      );
      assert.equal(waiting.status, 'WAITING_DISPATCH');
      assert.equal((await client.cancelInstance(instanceId)).status, 'CANCELED');
    }
    const fits = await runToEnd(await job({ minCpuCores: cores, minMemoryMb: 1 }), { count: 6, sleepMs: 0 });
    assert.equal(fits.status, 'SUCCEEDED', JSON.stringify(fits));
    assert.equal((await slotResults(fits.id)).length, 6);
  });

  it('broadcasts to the designatedWorkers only; without postProcess it succeeds when no worker failed', async () => {
    const done = await runToEnd(
      await job({
        processor: 'demo.broadcast-plain',
        executeType: 'BROADCAST',
        dispatchStrategy: 'SPECIFY',
        designatedWorkers: ['pair'],
      }),
    );
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const summary = JSON.parse(done.result ?? '{}') as { total: number; succeeded: number; failed: number };
    assert.equal(summary.failed, 0, done.result ?? '');
    assert.equal(summary.succeeded, summary.total, done.result ?? '');
    const broadcastTasks = (await allTasks(done.id)).filter((t) => t.workerId !== null);
    assert.deepEqual(broadcastTasks.map((t) => t.workerId).sort(), ['d1', 'd2']);
    const lines = await waitForLogLine(client, done.id, /^process on /, 10_000);
    assert.ok(!lines.some((l) => l.message === 'process on d3'), 'd3 is not designated');
  });

  it('fails a broadcast without postProcess when one worker failed (the default postProcess)', async () => {
    const done = await runToEnd(await job({ processor: 'demo.broadcast-plain', executeType: 'BROADCAST' }), {
      failOn: ['d3'],
    });
    assert.equal(done.status, 'FAILED', JSON.stringify(done));
    const summary = JSON.parse(done.result ?? '{}') as { total: number; succeeded: number; failed: number };
    assert.equal(summary.failed, 1, done.result ?? '');
    assert.equal(summary.succeeded, summary.total - 1, done.result ?? '');
    const failed = (await allTasks(done.id)).filter((t) => t.status === 'FAILED');
    assert.deepEqual(
      failed.map((t) => [t.workerId, t.result]),
      [['d3', 'planned failure on d3']],
    );
  });

  it('deletes the old task rows when a finished MapReduce instance is retried', async () => {
    // 20 ranges, every 5th fails its first attempt; taskRetries 0: each run fails with 4 failed subtasks.
    const params = { n: 2000, chunk: 100, failEvery: 5, failTimes: 1 };
    const jobId = await job({ processor: 'demo.sum-squares', executeType: 'MAP_REDUCE', concurrency: 5 });
    const first = await runToEnd(jobId, params);
    assert.equal(first.status, 'FAILED', JSON.stringify(first));
    const idsOf = async (instanceId: number): Promise<number[]> => {
      const [rows] = await db.query('SELECT id FROM task WHERE instance_id = ? ORDER BY id', [instanceId]);
      return (rows as { id: number }[]).map((r) => Number(r.id));
    };
    const before = await idsOf(first.id);
    assert.equal(before.length, 21, 'root + 20 ranges');
    await client.retryInstance(first.id);
    const second = await client.waitForInstance(first.id, { timeoutMs: 120_000 });
    assert.equal(second.runningTimes, 2);
    assert.equal(second.status, 'FAILED', 'the ranges fail their first attempt again: a fresh run');
    assert.deepEqual(JSON.parse(second.result ?? '{}'), {
      sum: JSON.parse(first.result ?? '{}').sum,
      ranges: 16,
      failed: 4,
    });
    const afterRetry = await idsOf(first.id);
    assert.equal(afterRetry.length, 21, `rows after the retry: ${afterRetry.length}`);
    assert.deepEqual(
      afterRetry.filter((id) => before.includes(id)),
      [],
      'no row of the first run is left',
    );
    assert.deepEqual(second.tasks, { total: 21, waiting: 0, running: 0, succeeded: 17, failed: 4 });

    // The same through instanceRetries: two runs, one run's rows.
    const retried = await runToEnd(
      await job({ processor: 'demo.sum-squares', executeType: 'MAP_REDUCE', concurrency: 5, instanceRetries: 1 }),
      params,
    );
    assert.equal(retried.runningTimes, 2);
    assert.equal((await idsOf(retried.id)).length, 21);
  });

  it('fails the broadcast subtask of a worker that dies, without running it again elsewhere', async () => {
    const jobId = await job({ processor: 'demo.broadcast-plain', executeType: 'BROADCAST' });
    const { instanceId } = await client.runJob(jobId, {
      instanceParams: JSON.stringify({ sleepOn: ['d1', 'd2', 'd3'], sleepMs: 20_000 }),
    });
    // Every worker runs its subtask (20 s each): kill one that is not the TaskTracker.
    const lines = await pollUntil(
      () => allLogEntries(client, instanceId),
      (l) => l.filter((x) => x.message.startsWith('process on ')).length === 3,
      30_000,
      'each worker to start its subtask',
    );
    const running = await client.getInstance(instanceId);
    assert.equal(running.tasks?.succeeded ?? 0, 0, 'nothing finished before the kill: the scenario holds');
    const victim = ['d1', 'd2', 'd3'].find((w) => w !== running.workerId)!;
    cluster.workers.get(victim)!.kill('SIGKILL');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'FAILED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    const summary = JSON.parse(done.result ?? '{}') as { failed: number };
    assert.equal(summary.failed, 1, done.result ?? '');
    const tasks = (await allTasks(instanceId)).filter((t) => t.workerId !== null);
    const byWorker = Object.fromEntries(tasks.map((t) => [t.workerId, t.status]));
    assert.deepEqual(
      byWorker,
      Object.fromEntries(['d1', 'd2', 'd3'].map((w) => [w, w === victim ? 'FAILED' : 'SUCCEEDED'])),
    );
    const processLines = (await allLogEntries(client, instanceId)).filter((l) => l.message.startsWith('process on '));
    assert.deepEqual(
      processLines.map((l) => l.message).sort(),
      ['process on d1', 'process on d2', 'process on d3'],
      `each worker ran its subtask once, nobody ran the victim's: ${JSON.stringify(lines)}`,
    );
  });
});

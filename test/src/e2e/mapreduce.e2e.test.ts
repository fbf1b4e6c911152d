import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Instance, JobInput, JobnestClient } from '@jobnest/client';
import { FAST_FAILURE_DETECTION, TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exact sum of squares of 1..n. */
function sumOfSquares(n: number): number {
  const big = BigInt(n);
  return Number((big * (big + 1n) * (2n * big + 1n)) / 6n);
}

/** Map / MapReduce / Broadcast across real worker processes, with kills of workers and of the TaskTracker. */
describe('MapReduce, Map and Broadcast', () => {
  const cluster = new TestCluster(FAST_FAILURE_DETECTION);
  let client: JobnestClient;
  let db: Connection;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    for (const id of ['m1', 'm2', 'm3']) await cluster.startWorker({ workerId: id });
    db = await createConnection(cluster.ns.mysqlUrl);
  });

  after(async () => {
    await db?.end();
    await cluster.close();
  });

  async function job(over: Partial<JobInput>): Promise<number> {
    const created = await client.createJob({
      name: `mr-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 5,
      ...over,
    });
    return created.id;
  }

  async function runToEnd(jobId: number, params: object, timeoutMs = 120_000): Promise<Instance> {
    const { instanceId } = await client.runJob(jobId, { instanceParams: JSON.stringify(params) });
    try {
      return await client.waitForInstance(instanceId, { timeoutMs });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  async function unfinishedRows(instanceId: number): Promise<number> {
    const [rows] = await db.query(
      "SELECT COUNT(*) AS n FROM task WHERE instance_id = ? AND status IN ('WAITING_DISPATCH','DISPATCHED')",
      [instanceId],
    );
    return Number((rows as { n: number }[])[0]!.n);
  }

  async function allLogEntries(instanceId: number): Promise<{ message: string; workerId: string; time: number }[]> {
    const lines: { message: string; workerId: string; time: number }[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await client.getInstanceLogs(instanceId, { after, limit: 5000 });
      if (page.items.length === 0) return lines;
      lines.push(...page.items.map((l) => ({ message: l.message, workerId: l.workerId, time: l.time })));
      after = page.nextAfter ?? undefined;
    }
  }

  async function allLogLines(instanceId: number): Promise<string[]> {
    return (await allLogEntries(instanceId)).map((l) => l.message);
  }

  /** Asserts that reduce ran exactly once, on the worker that finished the instance (its TaskTracker at the end). */
  async function assertReducedOnceBy(instanceId: number, workerId: string): Promise<void> {
    let reduces: { workerId: string }[] = [];
    await waitUntil(
      async () => {
        reduces = (await allLogEntries(instanceId)).filter((l) => l.message.startsWith('reduce ran:'));
        return reduces.length > 0;
      },
      10_000,
      'the log line of reduce',
    );
    await sleep(500); // a second reduce would log within the same shipment window (200 ms)
    reduces = (await allLogEntries(instanceId)).filter((l) => l.message.startsWith('reduce ran:'));
    assert.deepEqual(
      reduces.map((r) => r.workerId),
      [workerId],
      'reduce ran once, on the TaskTracker that finished the instance',
    );
  }

  it('broadcasts to every worker once; postProcess sees every result', async () => {
    const jobId = await job({ processor: 'demo.broadcast', executeType: 'BROADCAST' });
    const done = await runToEnd(jobId, {});
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '[]'), ['m1', 'm2', 'm3']);
    // Each worker ships its own log lines (every 200 ms): wait until all three and the postProcess line are in.
    await waitUntil(
      async () => {
        const lines = await allLogLines(done.id);
        return (
          lines.filter((l) => l.startsWith('process on')).length >= 3 && lines.some((l) => /postProcess saw/.test(l))
        );
      },
      5000,
      'the log lines of every worker',
    );
    await sleep(500);
    const lines = await allLogLines(done.id);
    assert.deepEqual(lines.filter((l) => l.startsWith('process on')).sort(), [
      'process on m1',
      'process on m2',
      'process on m3',
    ]);
    assert.equal(lines.filter((l) => l === 'postProcess saw 3 results').length, 1);
    assert.equal(lines.filter((l) => l.startsWith('preProcess on')).length, 1);
  });

  it('sums the squares of 1..200,000 in subtasks of 100 numbers across the workers, exactly', async () => {
    const done = await runToEnd(await job({}), { n: 200_000, chunk: 100 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const result = JSON.parse(done.result ?? '{}') as { sum: number; ranges: number; failed: number };
    assert.deepEqual(result, { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    assert.deepEqual(done.tasks, { total: 2001, waiting: 0, running: 0, succeeded: 2001, failed: 0 });
    const [rows] = await db.query('SELECT COUNT(DISTINCT worker_id) AS workers FROM task WHERE instance_id = ?', [
      done.id,
    ]);
    assert.ok(Number((rows as { workers: number }[])[0]!.workers) >= 2, 'subtasks ran on several workers');
    const page = await client.listInstanceTasks(done.id, { status: 'SUCCEEDED', size: 5 });
    assert.equal(page.total, 2001);
    assert.equal(page.items[0]!.taskName, 'ROOT_TASK');
  });

  it('maps on two levels (root -> chunks -> ranges), exactly', async () => {
    const done = await runToEnd(await job({}), { n: 200_000, chunk: 100, levels: 2, bigChunk: 10_000 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    assert.equal(done.tasks?.total, 1 + 20 + 2000);
  });

  it('reports the counts of a MAP job', async () => {
    const done = await runToEnd(await job({ executeType: 'MAP' }), { n: 50_000, chunk: 100 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { total: 501, succeeded: 501, failed: 0 });
  });

  it('retries failing subtasks within taskRetries', async () => {
    const done = await runToEnd(await job({ taskRetries: 3 }), { n: 20_000, chunk: 100, failEvery: 10, failTimes: 2 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(20_000), ranges: 200, failed: 0 });
  });

  it('runs each subtask once per attempt when maps run at once and failures are retried', async () => {
    // 16 concurrent ctx.map() calls commit out of id order; every 7th range fails its first run.
    const done = await runToEnd(await job({ taskRetries: 2 }), {
      n: 100_000,
      chunk: 100,
      parallelMaps: 16,
      failEvery: 7,
      failTimes: 1,
      logEachTask: true,
    });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(100_000), ranges: 1000, failed: 0 });
    assert.deepEqual(done.tasks, { total: 1001, waiting: 0, running: 0, succeeded: 1001, failed: 0 });
    await sleep(1000); // the last log batch
    const runs = new Map<number, number>();
    for (const line of await allLogLines(done.id)) {
      const m = /^ran range (\d+)$/.exec(line);
      if (m) runs.set(Number(m[1]), (runs.get(Number(m[1])) ?? 0) + 1);
    }
    const wrong: string[] = [];
    for (let index = 0; index < 1000; index++) {
      const expected = index % 7 === 0 ? 2 : 1;
      const seen = runs.get(index * 100 + 1) ?? 0;
      if (seen !== expected) wrong.push(`range ${index}: ${seen} runs, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
    const [rows] = await db.query(
      'SELECT failures, attempt, COUNT(*) AS n FROM task WHERE instance_id = ? AND task_name = ? GROUP BY failures, attempt ORDER BY failures',
      [done.id, 'RANGE'],
    );
    assert.deepEqual(
      (rows as { failures: number; attempt: number; n: number }[]).map((r) => [r.failures, r.attempt, Number(r.n)]),
      [
        [0, 1, 1000 - 143],
        [1, 2, 143],
      ],
      'failures and runs stored per row',
    );
  });

  it('fails subtasks past taskRetries and still reduces once, with the failures in its input', async () => {
    const done = await runToEnd(await job({ taskRetries: 1 }), { n: 20_000, chunk: 100, failEvery: 10, failTimes: 2 });
    assert.equal(done.status, 'FAILED');
    const result = JSON.parse(done.result ?? '{}') as { ranges: number; failed: number };
    assert.deepEqual({ ranges: result.ranges, failed: result.failed }, { ranges: 180, failed: 20 });
    await waitUntil(
      async () => (await allLogLines(done.id)).some((l) => l.startsWith('reduce ran')),
      5000,
      'the reduce log line',
    );
    assert.equal(
      (await allLogLines(done.id)).filter((l) => l.startsWith('reduce ran')).length,
      1,
      'reduce ran exactly once',
    );
    assert.equal(done.tasks?.failed, 20);
  });

  it('stops a MapReduce run: STOPPED, subtasks aborted, no task row left running', async () => {
    const { instanceId } = await client.runJob(await job({}), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 200 }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 20,
      30_000,
      'some progress',
    );
    assert.equal((await client.stopInstance(instanceId)).status, 'STOPPED');
    await waitUntil(async () => (await unfinishedRows(instanceId)) === 0, 10_000, 'no task row left running');
    const succeededAtStop = (await client.listInstanceTasks(instanceId, { status: 'SUCCEEDED', size: 1 })).total;
    await sleep(1500);
    assert.equal(
      (await client.listInstanceTasks(instanceId, { status: 'SUCCEEDED', size: 1 })).total,
      succeededAtStop,
      'nothing ran after the stop',
    );
  });

  it('fails a MapReduce run at its time limit with no task row left running', async () => {
    const done = await runToEnd(await job({ instanceTimeLimitMs: 3000 }), { n: 200_000, chunk: 100, sleepMs: 200 });
    assert.equal(done.status, 'FAILED');
    assert.match(done.result ?? '', /time limit of 3000 ms/);
    await waitUntil(async () => (await unfinishedRows(done.id)) === 0, 10_000, 'no task row left running');
  });

  it('gives subtasks to a worker that joins while the instance runs', async () => {
    // ~13 s of work for three workers: plenty still waits when the fourth is up.
    const { instanceId } = await client.runJob(await job({}), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 100, logEachTask: true }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 100,
      60_000,
      'progress',
    );
    await cluster.startWorker({ workerId: 'late1' });
    // startWorker returns once the server lists the worker: the moment it joined, or a little after.
    const joinedAt = Date.now();
    const done = await client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const [rows] = await db.query("SELECT COUNT(*) AS n FROM task WHERE instance_id = ? AND worker_id = 'late1'", [
      instanceId,
    ]);
    assert.ok(Number((rows as { n: number }[])[0]!.n) > 0, 'the new worker ran subtasks of the running instance');
    let firstOnLate: number | undefined;
    await waitUntil(
      async () => {
        const late = (await allLogEntries(instanceId)).filter((l) => l.workerId === 'late1');
        firstOnLate = late.length > 0 ? Math.min(...late.map((l) => l.time)) : undefined;
        return firstOnLate !== undefined;
      },
      10_000,
      'a log line of the late worker',
    );
    // README: "within a second". One more second of slack for a loaded 2-core machine.
    assert.ok(
      firstOnLate! - joinedAt < 2000,
      `the late worker's first subtask started ${firstOnLate! - joinedAt} ms after it joined`,
    );
  });

  it('finishes exactly when a worker that is not the TaskTracker is killed mid-run', async () => {
    const { instanceId } = await client.runJob(await job({}), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 40 }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 300,
      60_000,
      'progress',
    );
    const tracker = (await client.getInstance(instanceId)).workerId!;
    const victim = ['m1', 'm2', 'm3', 'late1'].find((w) => w !== tracker)!;
    cluster.workers.get(victim)!.kill('SIGKILL');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    assert.equal(done.tasks?.succeeded, 2001, 'no subtask lost');
    await cluster.startWorker({ workerId: `${victim}b` });
  });

  it('hands the instance over when its TaskTracker shuts down gracefully (rolling restart)', async () => {
    const { instanceId } = await client.runJob(await job({}), {
      instanceParams: JSON.stringify({ n: 100_000, chunk: 100, sleepMs: 40 }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 100,
      60_000,
      'progress',
    );
    const tracker = (await client.getInstance(instanceId)).workerId!;
    await cluster.workers.get(tracker)!.stop();
    const done = await client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.notEqual(done.workerId, tracker);
    assert.equal(done.runningTimes, 2, 'a takeover, not a failed run');
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(100_000), ranges: 1000, failed: 0 });
    await assertReducedOnceBy(instanceId, done.workerId!);
    await cluster.startWorker({ workerId: `${tracker}r` });
  });

  it('resumes on another worker when the TaskTracker is killed: exact, finished subtasks not run again', async () => {
    const { instanceId } = await client.runJob(await job({}), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 40, logEachTask: true }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 300,
      60_000,
      'progress',
    );
    const tracker = (await client.getInstance(instanceId)).workerId!;
    cluster.workers.get(tracker)!.kill('SIGKILL');
    const [before] = await db.query(
      "SELECT payload FROM task WHERE instance_id = ? AND status = 'SUCCEEDED' AND task_name = 'RANGE'",
      [instanceId],
    );
    const doneBefore = (before as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { from: number }).from);
    assert.ok(doneBefore.length > 0);
    const done = await client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.notEqual(done.workerId, tracker, 'another worker finished it');
    assert.ok(done.takeovers >= 1, 'the takeover shows on the instance');
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    await assertReducedOnceBy(instanceId, done.workerId!);
    // Every range a live worker finished has its log line once the live workers' last shipments arrive.
    const [finished] = await db.query(
      "SELECT payload, worker_id FROM task WHERE instance_id = ? AND task_name = 'RANGE'",
      [instanceId],
    );
    const bySurvivors = (finished as { payload: string; worker_id: string }[])
      .filter((r) => r.worker_id !== tracker)
      .map((r) => (JSON.parse(r.payload) as { from: number }).from);
    await waitUntil(
      async () => {
        const logged = new Set(
          (await allLogEntries(instanceId))
            .filter((l) => l.workerId !== tracker)
            .map((l) => /^ran range (\d+)$/.exec(l.message)?.[1])
            .filter((from) => from !== undefined)
            .map(Number),
        );
        return bySurvivors.every((from) => logged.has(from));
      },
      15_000,
      'the log lines of every range the live workers ran',
    );
    const runs = new Map<number, number>();
    const onSurvivors = new Map<number, number>();
    const ranOn = new Map<number, string[]>();
    for (const line of await allLogEntries(instanceId)) {
      const m = /^ran range (\d+)$/.exec(line.message);
      if (!m) continue;
      const from = Number(m[1]);
      runs.set(from, (runs.get(from) ?? 0) + 1);
      ranOn.set(from, [...(ranOn.get(from) ?? []), line.workerId]);
      if (line.workerId !== tracker) onSurvivors.set(from, (onSurvivors.get(from) ?? 0) + 1);
    }
    // The killed worker's last log batch may be lost with it, so a range can show 0 lines; never 2.
    const rerun = doneBefore.filter((from) => (runs.get(from) ?? 0) > 1);
    assert.deepEqual(rerun, [], 'subtasks that had succeeded before the kill ran again');
    // What the live workers ran for the dead TaskTracker reaches the next one (AdoptTasks): no range runs twice on
    // them. Only what the killed worker itself was running may run again.
    const twiceOnSurvivors = [...onSurvivors].filter(([, n]) => n > 1).map(([from]) => from);
    assert.equal(
      twiceOnSurvivors.length,
      0,
      `${twiceOnSurvivors.length} ranges ran twice on the live workers (${twiceOnSurvivors
        .slice(0, 5)
        .map((f) => `${f} on ${ranOn.get(f)?.join('+')}`)
        .join(', ')}...)\n${cluster.dump()}`,
    );
  });
});

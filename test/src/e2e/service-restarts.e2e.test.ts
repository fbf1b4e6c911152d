import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Instance, JobnestClient } from '@jobnest/client';
import { TEST_TIMINGS, TestCluster, waitUntil } from '../support/cluster';
import { MYSQL_ROOT_URL, REDIS_URL } from '../support/isolated-namespace';
import { PrivateMariaDb, PrivateRedis, privateServices } from '../support/private-services';
import { type ObservedReport, pendingIds, StatusReportObserver, withRedis } from '../support/redis-probes';
import { pollUntil, waitForLogLine } from '../support/wait-until';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the lease holder logs when its timer rebuild armed a FIXED_DELAY chain that had no pending trigger. */
const CHAINS_ARMED = /timers rebuilt from MySQL: .* [1-9]\d* fixed-delay chain\(s\) armed/g;

/** Exact sum of squares of 1..n. */
function sumOfSquares(n: number): number {
  const big = BigInt(n);
  return Number((big * (big + 1n) * (2n * big + 1n)) / 6n);
}

/**
 * Redis flushed and restarted under a running cluster: a Redis of the test's own (the machine's redis-server on a
 * free port), so flushing it touches nothing else; MySQL is the machine's.
 */
describe('Redis flushed and restarted', privateServices('redis-server'), () => {
  const redisServer = new PrivateRedis();
  let cluster: TestCluster;
  let client: JobnestClient;

  before(async () => {
    await redisServer.start();
    cluster = new TestCluster(
      { JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '1000' },
      { redisUrl: redisServer.url, mysqlRootUrl: MYSQL_ROOT_URL },
    );
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'r1' });
  });

  after(async () => {
    cluster?.workers.get('r1')?.kill('SIGCONT');
    await cluster?.close().catch(() => undefined);
    await redisServer.stop();
  });

  it('rebuilds timers and finishes in-flight instances after Redis is flushed and restarted', async () => {
    const cron = await client.createJob({
      name: 'every-second',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    const slow = await client.createJob({
      name: 'slow',
      processor: 'demo.sleep',
      jobParams: '2500',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      instanceRetries: 1,
    });
    const { instanceId } = await client.runJob(slow.id, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
    await sleep(1000);
    await redisServer.flushAndRestart(1500);
    const restartedAt = Date.now();
    await waitUntil(
      async () =>
        (await client.listInstances({ jobId: cron.id, size: 200 })).items.some(
          (i) => i.expectedTriggerTime > restartedAt + 1000 && i.status === 'SUCCEEDED',
        ),
      30_000,
      `the CRON timer to fire again after the restart\n${cluster.dump()}`,
    );
    const done = await client.waitForInstance(instanceId, { timeoutMs: 40_000 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    await client.disableJob(cron.id);
    // Every slot from the first to the last fired one either has its instance or was counted: the slots of the
    // flush (before the timer was rebuilt) fire late within the misfire threshold, or count as misfired.
    const slots = (await client.listInstances({ jobId: cron.id, size: 200 })).items.map((i) => i.expectedTriggerTime);
    const first = Math.min(...slots);
    const last = Math.max(...slots);
    const expected = (last - first) / 1000 + 1;
    const counters = await client.getJob(cron.id);
    const missing = expected - new Set(slots).size;
    assert.ok(
      missing <= counters.skippedSlots + counters.misfiredSlots,
      `${missing} of ${expected} slots have no instance, ${counters.skippedSlots} skipped + ${counters.misfiredSlots} misfired counted`,
    );
    await waitUntil(
      async () => {
        const all = (await client.listInstances({ size: 200 })).items;
        return all.every((i) => ['SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED'].includes(i.status));
      },
      30_000,
      'no instance left unfinished',
    );
    assert.equal((await client.listWorkers()).length, 1, 'the worker reconnected and heartbeats again');
  });

  it('dispatches again a run whose RunInstance the flush took from the worker queue, and runs it once', async () => {
    const job = await client.createJob({
      name: 'lost-dispatch',
      processor: 'demo.sleep-per-run',
      jobParams: '300',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const worker = cluster.workers.get('r1')!;
    const runKey = (id: number): string => `${cluster.workerQueueKey('r1')}:run-${id}-1`;
    worker.kill('SIGSTOP'); // the RunInstance waits in r1's queue, unread, while r1 still counts as alive
    const { instanceId } = await client.runJob(job.id, {}).catch((err: unknown) => {
      worker.kill('SIGCONT');
      throw err;
    });
    try {
      await waitUntil(
        async () => (await client.getInstance(instanceId)).status === 'WAITING_WORKER_RECEIVE',
        10_000,
        'run 1 dispatched to r1',
      );
      const dispatched = await client.getInstance(instanceId);
      assert.equal(dispatched.workerId, 'r1');
      assert.equal(dispatched.runningTimes, 1);
      // The row is marked dispatched just before the command is queued.
      await waitUntil(
        async () => (await withRedis(redisServer.url, (r) => r.exists(runKey(instanceId)))) === 1,
        5000,
        'the RunInstance of run 1 to wait in the queue of r1',
      );
      await redisServer.flushAndRestart(1500);
      assert.equal(await withRedis(redisServer.url, (r) => r.exists(runKey(instanceId))), 0, 'the flush took it');
    } finally {
      worker.kill('SIGCONT');
    }
    const done = await client.waitForInstance(instanceId, { timeoutMs: TEST_TIMINGS.receiveTimeoutMs + 30_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.runningTimes, 2, 'run 1 was lost, run 2 is the one that ran');
    assert.equal(done.result, 'run 2 on r1 slept 300 ms');
    assert.match(
      cluster.servers[0]!.logs,
      new RegExp(`instance ${instanceId}: worker r1 did not receive run 1 within ${TEST_TIMINGS.receiveTimeoutMs} ms`),
      'the reconciler dispatched it again after the receive timeout',
    );
    assert.ok(
      (done.finishedTime ?? 0) - (done.actualTriggerTime ?? 0) >= TEST_TIMINGS.receiveTimeoutMs,
      'run 2 was dispatched only once the receive timeout had passed',
    );
    // The processor ran once: run 2's line, and no line of a run 1 (the worker ships its lines in order).
    const lines = await waitForLogLine(client, instanceId, /^run 2 on r1 sleeping/, 15_000);
    assert.deepEqual(
      lines.map((l) => l.message).filter((m) => /^run \d+ on /.test(m)),
      ['run 2 on r1 sleeping 300 ms'],
    );
  });

  it('dispatches a delayed run whose BullMQ job was lost with the flush once it is due', async () => {
    const job = await client.createJob({
      name: 'delayed-across-flush',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const delayMs = 6000;
    const { instanceId } = await client.runJob(job.id, { instanceParams: 'late but there', delayMs });
    const waiting = await client.getInstance(instanceId);
    assert.equal(waiting.status, 'WAITING_DISPATCH');
    const delayedKey = `${cluster.keys.system}:jobnest-dispatch:dispatch-${instanceId}`;
    assert.equal(
      await withRedis(redisServer.url, (r) => r.exists(delayedKey)),
      1,
      'the delay is a BullMQ job in Redis',
    );
    await redisServer.flushAndRestart(1500);
    assert.equal(await withRedis(redisServer.url, (r) => r.exists(delayedKey)), 0, 'the flush took the delayed job');
    assert.ok(Date.now() < waiting.expectedTriggerTime, 'Redis is back before the run is due');
    const done = await client.waitForInstance(instanceId, { timeoutMs: delayMs + 30_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.result, 'late but there');
    assert.equal(done.runningTimes, 1);
    const dispatchedAt = done.actualTriggerTime ?? 0;
    assert.ok(dispatchedAt >= done.expectedTriggerTime, 'not dispatched before its time');
    // The reconciler steps in 1 s after the due time, on its next pass; 10 s leaves room for a loaded machine.
    assert.ok(
      dispatchedAt - done.expectedTriggerTime < 10_000,
      `dispatched ${dispatchedAt - done.expectedTriggerTime} ms after its time`,
    );
  });

  it('re-arms a FIXED_DELAY chain whose pending trigger was lost with the flush, as one chain', async () => {
    const periodMs = 4000;
    const job = await client.createJob({
      name: 'fixed-delay-across-flush',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'FIXED_DELAY',
      timeExpression: String(periodMs),
    });
    const jobId = job.id;
    const list = async (): Promise<Instance[]> =>
      (await client.listInstances({ jobId, size: 200 })).items.sort((a, b) => a.id - b.id);
    try {
      // Wait for a quiet moment of the chain: its instance ended, its next trigger waits in Redis.
      const first = await pollUntil(
        list,
        (items) => items.length === 1 && items[0]!.status === 'SUCCEEDED',
        periodMs + 15_000,
        'the first instance of the chain to succeed',
      );
      const last = first[0]!;
      const triggerKey = `${cluster.keys.system}:jobnest-trigger:fixed-delay-${jobId}-after-${last.id}`;
      await waitUntil(
        async () => (await withRedis(redisServer.url, (r) => r.exists(triggerKey))) === 1,
        5000,
        'the next trigger of the chain to wait in Redis',
      );
      const armedLines = (): number => (cluster.servers[0]!.logs.match(CHAINS_ARMED) ?? []).length;
      const armedBefore = armedLines();
      const flushedAt = Date.now();
      await redisServer.flushAndRestart(1500);
      const after = await pollUntil(
        list,
        (items) => items.filter((i) => i.id > last.id && i.status === 'SUCCEEDED').length >= 2,
        2 * periodMs + 30_000,
        `two instances of the chain after the flush\n${cluster.dump()}`,
      );
      const chain = after.filter((i) => i.id > last.id);
      // The lost trigger's slot was at most a period after the flush; Redis was down 1.5 s after it, so a slot more
      // than a period + 1 s after the flush was armed on the restarted Redis, by the timer rebuild.
      assert.ok(
        chain[0]!.expectedTriggerTime > flushedAt + periodMs + 1000,
        `the first slot after the flush (${chain[0]!.expectedTriggerTime}) is the lost trigger's (flushed at ${flushedAt})`,
      );
      assert.ok(armedLines() > armedBefore, 'the timer rebuild logged the chain it armed');
      // One chain: each instance comes a full period after the previous one ended, never two at once.
      for (let k = 1; k < chain.length; k++) {
        const previousEnd = chain[k - 1]!.finishedTime ?? Number.MAX_SAFE_INTEGER;
        assert.ok(
          chain[k]!.expectedTriggerTime >= previousEnd + periodMs,
          `instance ${chain[k]!.id} at ${chain[k]!.expectedTriggerTime}, not ${periodMs} ms after the end of the previous one (${previousEnd})`,
        );
      }
    } finally {
      await client.disableJob(jobId);
    }
  });
});

/**
 * MariaDB restarted under a running cluster: a MariaDB of the test's own (the machine's mariadbd on a free port,
 * a fresh data directory); Redis is the machine's.
 */
describe('MariaDB restarts', privateServices('mariadbd', 'mariadb-install-db'), () => {
  const mariadb = new PrivateMariaDb();
  /** How long the run of the status-report test sleeps: longer than a clean MariaDB shutdown here (~1-2 s). */
  const RUN_MS = 6000;
  let cluster: TestCluster;
  let client: JobnestClient;
  let redis: Redis;

  before(async () => {
    await mariadb.install();
    await mariadb.start();
    cluster = new TestCluster({}, { redisUrl: REDIS_URL, mysqlRootUrl: mariadb.rootUrl });
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'r1' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    redis?.disconnect();
    await cluster?.close().catch(() => undefined);
    await mariadb.destroy();
  });

  it('finishes a 100k-subtask MapReduce across a MariaDB restart, exact, each result counted once', async () => {
    const job = await client.createJob({
      name: 'mr-across-db-restart',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 50,
    });
    // Two levels: the CHUNK subtasks map their leaves with ctx.map() on the worker, so inserts meet the outage too.
    const params = { n: 100_000, chunk: 1, levels: 2, bigChunk: 10_000 };
    const { instanceId } = await client.runJob(job.id, { instanceParams: JSON.stringify(params) });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 10_000,
      60_000,
      'progress before the restart',
    );
    const before = await client.getInstance(instanceId);
    assert.equal(before.status, 'RUNNING');
    assert.ok((before.tasks?.succeeded ?? 0) < 100_000, 'the restart comes in the middle of the run');
    await mariadb.restart(4000);
    const done = await client.waitForInstance(instanceId, { timeoutMs: 180_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.runningTimes, 1, 'the outage did not fail or take over the run');
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(100_000), ranges: 100_000, failed: 0 });
    assert.equal(done.tasks?.succeeded, 100_011, 'root + 10 chunks + 100,000 leaves, each stored once');
    assert.equal(done.tasks?.failed, 0);
  });

  it('loses no status report while MariaDB restarts: a final report written during the outage is stored after it', async () => {
    const stream = cluster.streams.instanceStatus;
    const observer = new StatusReportObserver(redis, stream);
    await observer.start();
    try {
      const job = await client.createJob({
        name: 'across-db-restart',
        processor: 'demo.sleep',
        jobParams: String(RUN_MS),
        executeType: 'STANDALONE',
        timeExpressionType: 'API',
      });
      const { instanceId } = await client.runJob(job.id, {});
      await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
      await mariadb.stop();
      const stoppedAt = Date.now();
      let final: ObservedReport;
      let startingAt: number;
      try {
        await observer.read();
        assert.equal(
          observer.finalOf(instanceId),
          undefined,
          `the run ended before MariaDB was down (the stop took ${RUN_MS} ms or more?): the test would prove nothing`,
        );
        // The processor ends while MariaDB is down: the worker writes its final report to the stream all the same.
        await pollUntil(
          async () => {
            await observer.read();
            return observer.finalOf(instanceId);
          },
          (report) => report !== undefined,
          RUN_MS + 20_000,
          `the final report of instance ${instanceId} during the outage`,
        );
        final = observer.finalOf(instanceId)!;
        assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
        assert.ok(final.time >= stoppedAt, `the run ended at ${final.time}, before MariaDB stopped at ${stoppedAt}`);
        // A server has read it but cannot store it: it stays pending in the servers' group, not acknowledged.
        const reportId = final.id;
        await waitUntil(
          async () => (await pendingIds(redis, stream, 'jobnest-servers')).includes(reportId),
          15_000,
          `a server to hold the final report ${reportId} unacknowledged while MariaDB is down`,
        );
      } finally {
        startingAt = Date.now();
        await mariadb.start();
      }
      const done = await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
      assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
      assert.equal(done.result, `slept ${RUN_MS} ms`);
      assert.equal(done.runningTimes, 1, 'the outage did not retry the run');
      assert.ok(
        (done.finishedTime ?? 0) >= startingAt,
        `stored at ${done.finishedTime}, before MariaDB was started again at ${startingAt}`,
      );
      await waitUntil(
        async () => !(await pendingIds(redis, stream, 'jobnest-servers')).includes(final.id),
        15_000,
        'the final report acknowledged once stored',
      );
      // The log consumer retries its pending batch on its own schedule, independently of the status consumer.
      await waitUntil(
        async () => (await client.getInstanceLogs(instanceId)).items.some((l) => l.message === `sleeping ${RUN_MS} ms`),
        15_000,
        'log lines shipped around the outage to be stored too',
      );
      for (const p of [...cluster.servers, ...cluster.workers.values()])
        assert.equal(p.child.exitCode, null, `${p.name} survived`);
    } finally {
      await observer.destroy();
    }
  });
});

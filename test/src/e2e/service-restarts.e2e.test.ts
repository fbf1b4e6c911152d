import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';
import { MYSQL_ROOT_URL, REDIS_URL } from '../support/isolated-namespace';
import { PrivateMariaDb, PrivateRedis, privateServices } from '../support/private-services';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
});

/**
 * MariaDB restarted under a running cluster: a MariaDB of the test's own (the machine's mariadbd on a free port,
 * a fresh data directory); Redis is the machine's.
 */
describe('MariaDB restarts', privateServices('mariadbd', 'mariadb-install-db'), () => {
  const mariadb = new PrivateMariaDb();
  let cluster: TestCluster;
  let client: JobnestClient;

  before(async () => {
    await mariadb.install();
    await mariadb.start();
    cluster = new TestCluster({}, { redisUrl: REDIS_URL, mysqlRootUrl: mariadb.rootUrl });
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'r1' });
  });

  after(async () => {
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

  it('loses no status report while MariaDB restarts', async () => {
    const job = await client.createJob({
      name: 'across-db-restart',
      processor: 'demo.sleep',
      jobParams: '2000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
    await mariadb.restart(4000); // the final report arrives while MariaDB is down
    const done = await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal(done.result, 'slept 2000 ms');
    // The log consumer retries its pending batch on its own schedule, independently of the status consumer.
    await waitUntil(
      async () => (await client.getInstanceLogs(instanceId)).items.some((l) => /sleeping 2000 ms/.test(l.message)),
      15_000,
      'log lines shipped around the outage to be stored too',
    );
    for (const p of [...cluster.servers, ...cluster.workers.values()])
      assert.equal(p.child.exitCode, null, `${p.name} survived`);
  });
});

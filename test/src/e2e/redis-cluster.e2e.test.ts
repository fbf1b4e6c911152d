import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import type { Instance, JobnestClient } from '@jobnest/client';
import { FAST_FAILURE_DETECTION, TestCluster, waitUntil, type WorkerSpec } from '../support/cluster';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redis-cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exact sum of squares of 1..n (below 2^53 for the n used here). */
function sumOfSquares(n: number): number {
  const big = BigInt(n);
  return Number((big * (big + 1n) * (2n * big + 1n)) / 6n);
}

/**
 * The core paths on a real Redis Cluster (3 masters, a replica each, started from the machine's redis-server):
 * servers and workers given JOBNEST_REDIS_CLUSTER_NODES, every key hash-tagged so no command crosses slots.
 */
describe('on a Redis Cluster', () => {
  let redisCluster: LocalRedisCluster;
  let cluster: TestCluster;
  let client: JobnestClient;
  let redisEnv: Record<string, string>;

  before(async () => {
    redisCluster = await startLocalRedisCluster({ masters: 3, replicasPerMaster: 1 });
    redisEnv = {
      JOBNEST_REDIS_URL: `redis://${redisCluster.seeds[0]}`,
      JOBNEST_REDIS_CLUSTER_NODES: redisCluster.seeds.join(','),
    };
    cluster = new TestCluster({ ...FAST_FAILURE_DETECTION, ...redisEnv });
    await cluster.start();
    client = cluster.client;
    for (const id of ['c1', 'c2', 'c3']) await cluster.startWorker(worker(id));
  });

  after(async () => {
    await cluster?.close();
    await redisCluster?.stop();
  });

  function worker(workerId: string): WorkerSpec {
    return { workerId, extraEnv: redisEnv };
  }

  async function mapReduceJob(): Promise<number> {
    const created = await client.createJob({
      name: `mr-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 5,
    });
    return created.id;
  }

  async function finish(instanceId: number, timeoutMs = 180_000): Promise<Instance> {
    try {
      return await client.waitForInstance(instanceId, { timeoutMs });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  it('runs a standalone instance', async () => {
    const job = await client.createJob({
      name: 'hello-on-cluster',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, { instanceParams: 'over sixteen thousand slots' });
    const done = await finish(instanceId, 20_000);
    assert.equal(done.status, 'SUCCEEDED');
    assert.match(done.result ?? '', /^hello from c\d: over sixteen thousand slots$/);
    await waitUntil(
      async () => (await client.getInstanceLogs(instanceId)).items.length === 3,
      10_000,
      'the log lines, through the app stream on the cluster',
    );
  });

  it('runs a MapReduce of 100,000 subtasks to the exact result', async () => {
    const { instanceId } = await client.runJob(await mapReduceJob(), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 2 }),
    });
    const done = await finish(instanceId);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 100_000, failed: 0 });
    assert.deepEqual(done.tasks, { total: 100_001, waiting: 0, running: 0, succeeded: 100_001, failed: 0 });
  });

  it('fires a per-second CRON once per slot with two servers', async () => {
    await cluster.startServer();
    const job = await client.createJob({
      name: 'cron-on-cluster',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    await waitUntil(
      async () => (await client.listInstances({ jobId: job.id, size: 200 })).total >= 8,
      30_000,
      'eight slots to fire',
    );
    await client.disableJob(job.id);
    await sleep(1500); // what was due when the job was disabled finishes
    const list = (await client.listInstances({ jobId: job.id, size: 200 })).items;
    const slots = list.map((i) => i.expectedTriggerTime).sort((a, b) => a - b);
    assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]! - slots[i - 1]!, 1000, 'no slot missed');
  });

  it('hands a MapReduce over when its TaskTracker is killed, to the exact result', async () => {
    const { instanceId } = await client.runJob(await mapReduceJob(), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 40 }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 300,
      60_000,
      'progress',
    );
    const tracker = (await client.getInstance(instanceId)).workerId!;
    cluster.workers.get(tracker)!.kill('SIGKILL');
    const done = await finish(instanceId);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.notEqual(done.workerId, tracker, 'another worker finished it');
    assert.ok(done.takeovers >= 1);
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    await cluster.startWorker(worker(`${tracker}-again`));
  });

  it('survives the SIGKILL of a master during a MapReduce: its replica takes over, the result is exact', async () => {
    const { instanceId } = await client.runJob(await mapReduceJob(), {
      instanceParams: JSON.stringify({ n: 200_000, chunk: 100, sleepMs: 20 }),
    });
    await waitUntil(
      async () => ((await client.getInstance(instanceId)).tasks?.succeeded ?? 0) > 200,
      60_000,
      'progress',
    );
    // The master of the app's streams: every report and log line of the run goes through it.
    const killed = await redisCluster.killMasterOf(cluster.streams.instanceStatus);
    const done = await finish(instanceId);
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)} (killed the master on port ${killed})`);
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(200_000), ranges: 2000, failed: 0 });
    await redisCluster.waitHealthy();
    // And it goes on: a new instance on the healed cluster.
    const job = await client.createJob({
      name: 'after-failover',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId: next } = await client.runJob(job.id, { instanceParams: 'still here' });
    assert.equal((await finish(next, 30_000)).status, 'SUCCEEDED');
    // Nothing was written outside a hash tag.
    const probe = new Cluster(redisCluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
    try {
      await probe.ping(); // connects and learns the slots
      const keys: string[] = [];
      for (const node of probe.nodes('master')) keys.push(...(await node.keys(`${cluster.ns.prefix}:*`)));
      assert.ok(keys.includes(cluster.streams.instanceStatus), 'the reports went through the cluster');
      assert.ok(
        keys.some((k) => k.startsWith(`${cluster.keys.system}:jobnest-trigger:`)),
        'so did the timers',
      );
      assert.deepEqual(
        keys.filter((k) => !/\{[^}]+\}/.test(k)),
        [],
        'every key carries a hash tag',
      );
    } finally {
      probe.disconnect();
    }
    const local = new Redis(cluster.ns.redisUrl);
    try {
      assert.deepEqual(await local.keys(`${cluster.ns.prefix}:*`), [], "nothing went to the machine's own Redis");
    } finally {
      local.disconnect();
    }
  });
});

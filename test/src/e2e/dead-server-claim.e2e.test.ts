import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { JobnestClient } from '@jobnest/client';
import type { ManagedProcess } from '../support/child-process';
import { TestCluster, waitUntil } from '../support/cluster';
import { reportHeldBy } from '../support/held-report';
import { redisNow } from '../support/redis-probes';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Long enough that the idle-time claim (XAUTOCLAIM) cannot be what moves an entry within a test. */
const CLAIM_IDLE_MS = 120_000;
const DEAD_AFTER_MS = 3000;

/** The id a server printed when it was ready. */
function serverIdOf(server: ManagedProcess): string {
  const m = /server (\S+) ready on http/.exec(server.logs);
  assert.ok(m, `${server.name} printed its id:\n${server.logs.slice(-2000)}`);
  return m[1]!;
}

/**
 * A server SIGKILLed while holding stream entries it never acknowledged: the others see its beats stop and claim the
 * entries at once, long before JOBNEST_STREAM_CLAIM_IDLE_MS; a consumer that still beats keeps its entries.
 */
describe('stream entries of a dead server are claimed as soon as its beats stop', () => {
  const cluster = new TestCluster({
    JOBNEST_STREAM_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
    JOBNEST_SERVER_DEAD_AFTER_MS: String(DEAD_AFTER_MS),
  });
  let redis: Redis;
  let client: JobnestClient;
  let jobId: number;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'claim1' });
    redis = new Redis(cluster.ns.redisUrl);
    jobId = (
      await client.createJob({
        name: 'long-running',
        processor: 'demo.sleep',
        jobParams: '60000',
        executeType: 'STANDALONE',
        timeExpressionType: 'API',
      })
    ).id;
  });

  after(async () => {
    redis.disconnect();
    await cluster.close();
  });

  /** A new run of the long job, once RUNNING, with a SUCCEEDED report of it held unacknowledged by `consumer`. */
  async function runHeldBy(consumer: string, result: string): Promise<number> {
    const { instanceId } = await client.runJob(jobId, {});
    await reportHeldBy(client, redis, cluster.streams.instanceStatus, instanceId, consumer, result);
    return instanceId;
  }

  it('claims the entries of a SIGKILLed server within seconds, not after the idle time', async () => {
    const second = cluster.servers[1]!;
    const secondId = serverIdOf(second);
    // It beats: its score in the set is a recent time on Redis' clock.
    await waitUntil(
      async () => (await redisNow(redis)) - Number(await redis.zscore(cluster.keys.serverBeats, secondId)) < 2000,
      5000,
      `a recent beat of ${secondId}`,
    );
    second.kill('SIGKILL');
    await sleep(200);
    const instanceId = await runHeldBy(secondId, 'read by a server that was killed');
    const started = Date.now();
    const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
    assert.equal(done.status, 'SUCCEEDED', cluster.dump());
    assert.equal(done.result, 'read by a server that was killed');
    // Dead after 3 s without a beat, checked every 2 s: well under the 120 s idle time.
    assert.ok(Date.now() - started < 12_000, `applied after ${Date.now() - started} ms`);
    const first = cluster.servers[0]!;
    await waitUntil(
      async () => first.logs.includes(`left by ${secondId}, which is dead`),
      5000,
      `server-1 says it claimed from ${secondId}:\n${first.logs.slice(-2000)}`,
    );
    await waitUntil(
      async () => ((await redis.xpending(cluster.streams.instanceStatus, 'jobnest-servers')) as [number])[0] === 0,
      10_000,
      'no pending entries left',
    );
  });

  it('leaves the entries of a consumer that still beats, and claims them once its beats stop', async () => {
    const ghost = 'ghost-server-that-beats';
    let beating = true;
    const beats = (async () => {
      while (beating) {
        await redis.zadd(cluster.keys.serverBeats, await redisNow(redis), ghost);
        await sleep(300);
      }
    })();
    try {
      const instanceId = await runHeldBy(ghost, 'read by a server that was paused');
      // Two dead checks (every 2 s) and more: a server that beats keeps its entries.
      await sleep(5000);
      assert.equal((await client.getInstance(instanceId)).status, 'RUNNING', 'not claimed while it beats');
      beating = false;
      await beats;
      const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
      assert.equal(done.status, 'SUCCEEDED', cluster.dump());
      assert.equal(done.result, 'read by a server that was paused');
    } finally {
      beating = false;
      await beats;
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import { Redis } from 'ioredis';
import type { JobnestClient } from '@jobnest/client';
import { TestCluster, TEST_TIMINGS, waitUntil } from '../support/cluster';

const INSTANCE_RETENTION_MS = 4000;
const WORKER_QUEUE_RETENTION_MS = 2000;

/**
 * A real server with short retentions: a finished instance disappears with its log lines, and the command queue of
 * a worker killed with SIGKILL disappears from Redis, while a live worker's queue stays and keeps working.
 */
describe('retention on a running server', () => {
  const cluster = new TestCluster({
    JOBNEST_INSTANCE_RETENTION_MS: String(INSTANCE_RETENTION_MS),
    JOBNEST_WORKER_QUEUE_RETENTION_MS: String(WORKER_QUEUE_RETENTION_MS),
    JOBNEST_RETENTION_INTERVAL_MS: '300',
  });
  let client: JobnestClient;
  let db: Connection;
  let redis: Redis;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    db = await createConnection(cluster.ns.mysqlUrl);
    redis = new Redis(cluster.ns.redisUrl);
    await cluster.startWorker({ workerId: 'keeper' });
    await cluster.startWorker({ workerId: 'doomed' });
  });

  after(async () => {
    await db?.end();
    redis?.disconnect();
    await cluster.close();
  });

  async function count(sql: string, params: unknown[]): Promise<number> {
    const [rows] = await db.query(sql, params);
    return Number((rows as { n: number }[])[0]!.n);
  }

  /** BullMQ keys of the worker's command queue (`<prefix>:jobnest-worker-<id>:...`). */
  async function queueKeys(workerId: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${cluster.workerQueueKey(workerId)}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  /** Runs demo.hello on the given worker and waits until it succeeded and its three log lines are stored. */
  async function runOn(workerId: string): Promise<number> {
    const job = await client.createJob({
      name: `hello-on-${workerId}-${Date.now()}`,
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: [workerId],
    });
    const { instanceId } = await client.runJob(job.id, {});
    await waitUntil(
      async () =>
        (await count("SELECT COUNT(*) AS n FROM instance_info WHERE id = ? AND status = 'SUCCEEDED'", [instanceId])) ===
        1,
      15_000,
      `instance ${instanceId} to succeed on ${workerId}`,
    );
    await waitUntil(
      async () => (await count('SELECT COUNT(*) AS n FROM instance_log WHERE instance_id = ?', [instanceId])) === 3,
      10_000,
      `the log lines of instance ${instanceId}`,
    );
    return instanceId;
  }

  it('deletes a finished instance and its log lines once JOBNEST_INSTANCE_RETENTION_MS has passed', async () => {
    const instanceId = await runOn('keeper');
    const [[row]] = (await db.query('SELECT finished_time AS finishedTime FROM instance_info WHERE id = ?', [
      instanceId,
    ])) as unknown as [{ finishedTime: number }[]];
    await waitUntil(
      async () => (await count('SELECT COUNT(*) AS n FROM instance_info WHERE id = ?', [instanceId])) === 0,
      INSTANCE_RETENTION_MS + 15_000,
      `instance ${instanceId} to be deleted by the retention`,
    );
    // Not before its time: the retention counts from the finish.
    assert.ok(Date.now() - Number(row!.finishedTime) >= INSTANCE_RETENTION_MS, 'deleted before its retention ran out');
    assert.equal(await count('SELECT COUNT(*) AS n FROM instance_log WHERE instance_id = ?', [instanceId]), 0);
  });

  it('deletes an idempotency key once its TTL has passed, and keeps a live one', async () => {
    const job = await client.createJob({
      name: `keys-${Date.now()}`,
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    await client.runJob(job.id, { idempotencyKey: 'short', idempotencyTtlMs: 1000 });
    await client.runJob(job.id, { idempotencyKey: 'long', idempotencyTtlMs: 600_000 });
    const keysOf = (): Promise<number> => count('SELECT COUNT(*) AS n FROM idempotency_key WHERE job_id = ?', [job.id]);
    assert.equal(await keysOf(), 2);
    await waitUntil(async () => (await keysOf()) === 1, 15_000, 'the expired key to be deleted');
    const [[live]] = (await db.query('SELECT expires_at AS expiresAt FROM idempotency_key WHERE job_id = ?', [
      job.id,
    ])) as unknown as [{ expiresAt: number }[]];
    assert.ok(Number(live!.expiresAt) > Date.now() + 500_000, 'the live key stays');
  });

  it("removes a killed worker's command queue from Redis and keeps the live worker's", async () => {
    await runOn('doomed');
    await runOn('keeper');
    assert.ok((await queueKeys('doomed')).length > 0, 'the doomed worker has queue keys before it dies');
    assert.ok((await queueKeys('keeper')).length > 0, 'the keeper has queue keys');

    cluster.workers.get('doomed')!.kill('SIGKILL');
    const killedAt = Date.now();
    // The retention removes the queue, then forgets the worker's record (in that order, so that a failure between
    // the two leaves the record to try again): wait for both.
    const lastSeenOfDoomed = (): Promise<string | null> =>
      redis.zscore(cluster.keys.workersLastSeen, `${cluster.appId}/doomed`);
    await waitUntil(
      async () => (await queueKeys('doomed')).length === 0 && (await lastSeenOfDoomed()) === null,
      TEST_TIMINGS.workerTimeoutMs + WORKER_QUEUE_RETENTION_MS + 20_000,
      `the queue keys of the killed worker to disappear\n${cluster.dump()}`,
    );
    assert.ok(
      Date.now() - killedAt >= WORKER_QUEUE_RETENTION_MS,
      'removed before the worker was gone for the retention',
    );
    assert.deepEqual(await lastSeenOfDoomed(), null);

    assert.ok((await queueKeys('keeper')).length > 0, "the live worker's queue was removed");
    // And it still takes commands.
    await runOn('keeper');
  });
});

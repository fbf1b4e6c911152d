import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import type { JobnestClient } from '@jobnest/client';
import { TestCluster } from '../support/cluster';

/**
 * A MAP_REDUCE instance whose processor has no reduce() is refused when it starts, before any task runs (it used
 * to run every subtask and fail at the end); the same processor runs as MAP.
 */
describe('MAP_REDUCE without reduce()', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let db: Connection;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'r1' });
    db = await createConnection(cluster.ns.mysqlUrl);
  });

  after(async () => {
    await db?.end();
    await cluster.close();
  });

  async function run(executeType: 'MAP' | 'MAP_REDUCE') {
    const job = await client.createJob({
      name: `no-reduce-${executeType}`,
      processor: 'demo.map-only',
      executeType,
      timeExpressionType: 'API',
      instanceRetries: 0,
    });
    const { instanceId } = await client.runJob(job.id, { instanceParams: '5' });
    try {
      return await client.waitForInstance(instanceId, { timeoutMs: 60_000 });
    } catch (err) {
      throw new Error(`${String(err)}\n${cluster.dump()}`, { cause: err });
    }
  }

  async function taskRows(instanceId: number): Promise<number> {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM task WHERE instance_id = ?', [instanceId]);
    return Number((rows as { n: number }[])[0]!.n);
  }

  it('is reported FAILED at its start, naming the processor, its class and the missing method; no task ran', async () => {
    const done = await run('MAP_REDUCE');
    assert.equal(done.status, 'FAILED');
    assert.equal(
      done.result,
      "processor 'demo.map-only' (class DemoMapOnlyProcessor) has no reduce(ctx, results) method, which a MAP_REDUCE job needs",
    );
    assert.equal(await taskRows(done.id), 0, 'no task row: the root task never ran');
    const logs = await client.getInstanceLogs(done.id, { limit: 100 });
    assert.deepEqual(
      logs.items.map((l) => l.message),
      [],
      'the processor never ran',
    );
  });

  it('runs as MAP', async () => {
    const done = await run('MAP');
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { total: 6, succeeded: 6, failed: 0 });
  });
});

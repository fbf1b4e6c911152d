import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import { TestCluster, waitUntil } from '../support/cluster';

const HEALTHY_RUNS = 2000;
const ORPHANED_RUNS = 100;

/**
 * The reconciler looks at every RUNNING instance, not the first page: orphans (their worker is gone) queued behind
 * 2,000 healthy runs of a live worker are failed in the same pass, and the healthy runs are left alone.
 */
describe('orphan scan over more RUNNING instances than one page', () => {
  const cluster = new TestCluster();
  let db: Connection;

  before(async () => {
    await cluster.start();
    db = await createConnection(cluster.ns.mysqlUrl);
    await cluster.startWorker({ workerId: 'alive' });
  });

  after(async () => {
    await db?.end();
    await cluster.close();
  });

  async function countRuns(workerId: string, status: string): Promise<number> {
    const [rows] = await db.query('SELECT COUNT(*) AS n FROM instance_info WHERE worker_id = ? AND status = ?', [
      workerId,
      status,
    ]);
    return Number((rows as { n: number }[])[0]!.n);
  }

  it('fails every orphaned run, also those behind the first 2,000 rows', async () => {
    const job = await cluster.client.createJob({
      name: 'orphans',
      processor: 'demo.sleep',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      instanceRetries: 0,
    });
    const [jobs] = await db.query('SELECT app_id AS appId FROM job_info WHERE id = ?', [job.id]);
    const appId = (jobs as { appId: number }[])[0]!.appId;
    const now = Date.now();
    const longAgo = now - 3_600_000;
    // Healthy runs come first in every order the scan could read (id and expected trigger time); orphans after them.
    const row = (workerId: string, expected: number): unknown[] => [
      appId,
      job.id,
      'RUNNING',
      workerId,
      1,
      expected,
      longAgo,
      longAgo,
    ];
    const healthy = Array.from({ length: HEALTHY_RUNS }, (_, i) => row('alive', longAgo + i));
    const orphaned = Array.from({ length: ORPHANED_RUNS }, (_, i) => row('vanished-worker', now + i));
    const insert =
      'INSERT INTO instance_info (app_id, job_id, status, worker_id, running_times, expected_trigger_time, actual_trigger_time, status_time) VALUES ?';
    await db.query(insert, [healthy]);
    await db.query(insert, [orphaned]);

    await waitUntil(
      async () => (await countRuns('vanished-worker', 'FAILED')) === ORPHANED_RUNS,
      30_000,
      `all ${ORPHANED_RUNS} orphaned runs to fail\n${cluster.dump()}`,
    );
    const [reasons] = await db.query(
      "SELECT DISTINCT status_reason AS reason FROM instance_info WHERE worker_id = 'vanished-worker'",
    );
    assert.deepEqual(
      (reasons as { reason: string }[]).map((r) => r.reason),
      ['worker vanished-worker stopped heartbeating during run 1'],
    );
    assert.equal(await countRuns('alive', 'RUNNING'), HEALTHY_RUNS);
  });
});

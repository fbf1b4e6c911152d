import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import { MYSQL_ROOT_URL } from '../support/isolated-namespace';
import { TestCluster, WORKER_MAIN } from '../support/cluster';
import { startProcess } from '../support/child-process';

/** Exact sum of squares of 1..n. */
function sumOfSquares(n: number): number {
  const big = BigInt(n);
  return Number((big * (big + 1n) * (2n * big + 1n)) / 6n);
}

/**
 * A worker whose MySQL user is granted the task table alone (the README's GRANT lines): it checks its app with the
 * server (JOBNEST_SERVER_URL) instead of reading password hashes, runs a MapReduce, and that user cannot read the
 * apps, jobs, instances or logs of any app.
 */
describe('a worker with the restricted MySQL user', () => {
  const cluster = new TestCluster();
  const user = `jw_${cluster.ns.id}`.slice(0, 32);
  const password = 'worker-db-password';
  let root: Connection;
  let restricted: Connection;
  let workerUrl = '';

  before(async () => {
    await cluster.start();
    const database = new URL(cluster.ns.mysqlUrl).pathname.slice(1);
    root = await createConnection(`${MYSQL_ROOT_URL}/`);
    await root.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
    await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.\`task\` TO ?@'%'`, [user]);
    const url = new URL(cluster.ns.mysqlUrl);
    url.username = user;
    url.password = password;
    workerUrl = url.toString();
    restricted = await createConnection(workerUrl);
    await cluster.startWorker({
      workerId: 'restricted-1',
      extraEnv: { JOBNEST_MYSQL_URL: workerUrl, JOBNEST_SERVER_URL: cluster.baseUrl },
    });
  });

  after(async () => {
    await restricted?.end();
    await cluster.close();
    await root?.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    await root?.end();
  });

  it('runs a MapReduce to the exact result, its subtasks stored with their app', async () => {
    const job = await cluster.client.createJob({
      name: 'mr-restricted',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 5,
    });
    const { instanceId } = await cluster.client.runJob(job.id, {
      instanceParams: JSON.stringify({ n: 20_000, chunk: 100 }),
    });
    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 60_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(20_000), ranges: 200, failed: 0 });
    const [rows] = await root.query(
      `SELECT DISTINCT app_id FROM \`${new URL(cluster.ns.mysqlUrl).pathname.slice(1)}\`.task WHERE instance_id = ?`,
      [instanceId],
    );
    assert.deepEqual(rows, [{ app_id: cluster.appId }]);
  });

  it('cannot read the apps, jobs, instances or logs of any app', async () => {
    for (const table of ['app_info', 'job_info', 'instance_info', 'instance_log', 'workflow_instance']) {
      await assert.rejects(restricted.query(`SELECT * FROM ${table} LIMIT 1`), /command denied/, table);
    }
    await assert.rejects(restricted.query('UPDATE instance_info SET status = ? WHERE 1 = 0', ['SUCCEEDED']), /denied/);
  });

  it('without a server to check its app, refuses to start and says why', async () => {
    const worker = startProcess('worker-without-server', WORKER_MAIN, {
      ...cluster.workerEnv({ workerId: 'restricted-2' }),
      JOBNEST_MYSQL_URL: workerUrl,
    });
    const code = await worker.exited;
    assert.notEqual(code, 0);
    assert.match(worker.logs, /SELECT command denied[\s\S]*JOBNEST_SERVER_URL/);
    assert.ok(!worker.logs.includes(password), 'the password is not shown');
  });
});

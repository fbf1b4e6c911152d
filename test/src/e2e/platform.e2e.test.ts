import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import { JobnestClient } from '@jobnest/client';
import { TEST_ADMIN, TestCluster } from '../support/cluster';
import { GatedTcpProxy } from '../support/gated-tcp-proxy';
import { MYSQL_ROOT_URL, REDIS_URL } from '../support/isolated-namespace';
import { PrivateMariaDb, PrivateRedis, privateServices } from '../support/private-services';
import { keepsHolding, pollUntil } from '../support/wait-until';

interface HealthAnswer {
  httpStatus: number;
  body: { status?: string; mysql?: string; redis?: string };
}

/** GET /health; a request that fails or hangs (a server busy reconnecting) reads as status 0, and the poll goes on. */
async function health(baseUrl: string): Promise<HealthAnswer> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    return { httpStatus: res.status, body: (await res.json()) as HealthAnswer['body'] };
  } catch (err) {
    return { httpStatus: 0, body: { status: `no answer: ${String(err)}` } };
  }
}

/**
 * README "Server configuration" (JOBNEST_MYSQL_URL: the database is created if missing and migrated at start, under
 * a lock) and "REST API" (app passwords stored as scrypt hashes).
 */
describe('servers booting together on a new database', () => {
  // The servers reach MariaDB through a gate that lets their first connections through together (or after 8 s):
  // without the lock, migrations started at one moment collide ("Table ... already exists").
  const mysql = new URL(MYSQL_ROOT_URL);
  const gate = new GatedTcpProxy({ host: mysql.hostname, port: Number(mysql.port || 3306) }, 3, 8000);
  let cluster: TestCluster;
  let root: Connection;

  before(async () => {
    await gate.start();
    const proxied = new URL(MYSQL_ROOT_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(gate.port);
    cluster = new TestCluster({}, { redisUrl: REDIS_URL, mysqlRootUrl: proxied.toString().replace(/\/$/, '') });
    root = await createConnection(`${MYSQL_ROOT_URL}/`);
  });

  after(async () => {
    await root?.end();
    await cluster?.close();
    await gate.stop();
  });

  async function tablesOf(database: string): Promise<string[]> {
    const [rows] = await root.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [
      database,
    ]);
    return (rows as { t: string }[]).map((r) => r.t);
  }

  it('boots three servers at once on a database that does not exist: each migration runs once, no error', async (t) => {
    assert.deepEqual(await tablesOf(cluster.ns.database), [], 'the database is new');
    await Promise.all([cluster.startServer(), cluster.startServer(), cluster.startServer()]);
    t.diagnostic(`${gate.releasedTogether} servers reached MariaDB together`);
    assert.ok(gate.releasedTogether >= 2, 'at least two servers started migrating at the same moment');
    const tables = await tablesOf(cluster.ns.database);
    for (const t of ['app_info', 'job_info', 'instance_info', 'task']) assert.ok(tables.includes(t), `table ${t}`);
    const migrationTables = tables.filter((t) => /migration/i.test(t));
    assert.equal(migrationTables.length, 1, `one migrations table: ${migrationTables.join(', ')}`);
    const [rows] = await root.query(
      `SELECT name, COUNT(*) AS n FROM \`${cluster.ns.database}\`.\`${migrationTables[0]}\` GROUP BY name`,
    );
    const counts = rows as { name: string; n: number }[];
    assert.ok(counts.length > 0, 'migrations were recorded');
    assert.deepEqual(
      counts.filter((r) => Number(r.n) !== 1),
      [],
      'every migration recorded once',
    );
    for (const server of cluster.servers) {
      assert.ok(server.alive, `${server.name} runs`);
      assert.doesNotMatch(server.logs, /ER_TABLE_EXISTS|ER_DUP|already exists|Duplicate/i, server.name);
      assert.doesNotMatch(server.logs, /\bERROR\b/, `${server.name} logged no error:\n${server.logs.slice(-3000)}`);
    }
    // Every server serves the one schema: an app made on one logs in on the others.
    const admin = new JobnestClient({ baseUrl: cluster.serverUrls[0], admin: TEST_ADMIN });
    await admin.createApp(cluster.appName, cluster.appPassword);
    for (const url of cluster.serverUrls) {
      const client = new JobnestClient({ baseUrl: url });
      await client.login(cluster.appName, cluster.appPassword);
      assert.deepEqual((await client.listJobs()).items, []);
      assert.equal((await health(url)).httpStatus, 200);
    }
  });

  it('stores app passwords as salted scrypt hashes, never the password', async () => {
    const admin = new JobnestClient({ baseUrl: cluster.serverUrls[0], admin: TEST_ADMIN });
    const password = 'same-password-for-both';
    const names = [`hash_a_${cluster.ns.id}`, `hash_b_${cluster.ns.id}`];
    for (const name of names) await admin.createApp(name, password);
    const [rows] = await root.query(
      `SELECT name, password_hash AS hash FROM \`${cluster.ns.database}\`.app_info WHERE name IN (?, ?) ORDER BY name`,
      names,
    );
    const hashes = (rows as { name: string; hash: string }[]).map((r) => r.hash);
    assert.equal(hashes.length, 2);
    for (const hash of hashes) {
      assert.match(hash, /^scrypt\$[0-9a-f]{16,}\$[0-9a-f]{32,}$/, 'scrypt$<salt>$<key>');
      assert.ok(!hash.includes(password), 'the password is not in the hash');
    }
    assert.notEqual(hashes[0], hashes[1], 'salted: one password, two hashes');

    // A password change stores a new scrypt hash, and only the new password logs in.
    const app = new JobnestClient({ baseUrl: cluster.serverUrls[1] });
    await app.changePassword(names[0]!, password, 'another-password-1');
    const [after] = await root.query(
      `SELECT password_hash AS hash FROM \`${cluster.ns.database}\`.app_info WHERE name = ?`,
      [names[0]],
    );
    const changed = (after as { hash: string }[])[0]!.hash;
    assert.match(changed, /^scrypt\$/);
    assert.notEqual(changed, hashes[0]);
    await app.login(names[0]!, 'another-password-1');
    await assert.rejects(app.login(names[0]!, password));
  });
});

/** README "REST API": `/health` answers 200 when MySQL and Redis answer, else 503 (here: Redis of the test's own). */
describe('/health while Redis is down', privateServices('redis-server'), () => {
  const redis = new PrivateRedis();
  let redisDown = false;
  let cluster: TestCluster;

  before(async () => {
    await redis.start();
    cluster = new TestCluster({}, { redisUrl: redis.url, mysqlRootUrl: MYSQL_ROOT_URL });
    await cluster.start();
  });

  after(async () => {
    if (redisDown) await redis.start().catch(() => undefined); // the cluster's keys are dropped through it
    await cluster?.close().catch(() => undefined);
    await redis.stop();
  });

  it('answers 503 naming Redis while it is down, and 200 again once it is back', async () => {
    assert.deepEqual(await health(cluster.baseUrl), {
      httpStatus: 200,
      body: { status: 'ok', mysql: 'up', redis: 'up' },
    });
    await redis.stop();
    redisDown = true;
    const down = await pollUntil(
      () => health(cluster.baseUrl),
      (h) => h.httpStatus === 503,
      30_000,
      '/health to see Redis down',
      250,
    );
    assert.deepEqual(down, { httpStatus: 503, body: { status: 'error', mysql: 'up', redis: 'down' } });
    await keepsHolding(async () => (await health(cluster.baseUrl)).httpStatus === 503, 2000, '503 while Redis is down');
    await redis.start();
    redisDown = false;
    const up = await pollUntil(
      () => health(cluster.baseUrl),
      (h) => h.httpStatus === 200,
      60_000,
      '/health to see Redis back',
      250,
    );
    assert.deepEqual(up.body, { status: 'ok', mysql: 'up', redis: 'up' });
  });
});

/** The same for MySQL: a MariaDB of the test's own, stopped and started again. */
describe('/health while MySQL is down', privateServices('mariadbd', 'mariadb-install-db'), () => {
  const mariadb = new PrivateMariaDb();
  let mariadbDown = false;
  let cluster: TestCluster;

  before(async () => {
    await mariadb.install();
    await mariadb.start();
    cluster = new TestCluster({}, { redisUrl: REDIS_URL, mysqlRootUrl: mariadb.rootUrl });
    await cluster.start();
  });

  after(async () => {
    if (mariadbDown) await mariadb.start().catch(() => undefined); // the cluster's database is dropped through it
    await cluster?.close().catch(() => undefined);
    await mariadb.destroy();
  });

  it('answers 503 naming MySQL while it is down, and 200 again once it is back', async () => {
    assert.deepEqual(await health(cluster.baseUrl), {
      httpStatus: 200,
      body: { status: 'ok', mysql: 'up', redis: 'up' },
    });
    await mariadb.stop();
    mariadbDown = true;
    const down = await pollUntil(
      () => health(cluster.baseUrl),
      (h) => h.httpStatus === 503,
      30_000,
      '/health to see MySQL down',
      250,
    );
    assert.deepEqual(down, { httpStatus: 503, body: { status: 'error', mysql: 'down', redis: 'up' } });
    await mariadb.start();
    mariadbDown = false;
    const up = await pollUntil(
      () => health(cluster.baseUrl),
      (h) => h.httpStatus === 200,
      60_000,
      '/health to see MySQL back',
      250,
    );
    assert.deepEqual(up.body, { status: 'ok', mysql: 'up', redis: 'up' });
  });
});

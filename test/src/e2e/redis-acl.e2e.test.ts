import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JobnestClient } from '@jobnest/client';
import { ExecuteType } from '@jobnest/common';
import { encodeMessage, KeyLayout, MESSAGE_FIELD, aclSetUserArgs, serverRedisAcl } from '@jobnest/transport';
import { runCliProcess } from '../support/cli-process';
import { runCommand } from '../support/fakes/fake-fleet';
import { TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';
import { MYSQL_ROOT_URL, TestNamespace } from '../support/isolated-namespace';
import { PrivateRedis, privateServices } from '../support/private-services';

/** `redis://user:password@host:port` of a Redis URL. */
function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/**
 * Per-app Redis ACL users, on a Redis of the test's own: the servers run as the server user, a worker as its app's
 * user (printed by `jobnest apps redis-acl`). The worker runs its processors; it cannot write another app's streams
 * or queues; a report forged on its own stream for another app's instance changes nothing.
 */
describe('a worker under its app Redis ACL user', privateServices('redis-server'), () => {
  const redis = new PrivateRedis();
  let cluster: TestCluster;
  let admin: Redis;
  let otherClient: JobnestClient;
  let otherAppId = 0;
  let appUser = { name: '', password: '' };
  let appRedis: Redis;

  before(async () => {
    await redis.start();
    admin = new Redis(redis.url);
    // The servers' user, made before they start: the rules are the ones `apps redis-acl` prints (checked below).
    const ns = new TestNamespace(redis.url, MYSQL_ROOT_URL);
    const serverPassword = 'server-password-for-the-test';
    const serverRules = serverRedisAcl(new KeyLayout(ns.prefix));
    await admin.call('ACL', ...['SETUSER', ...aclSetUserArgs(serverRules, serverPassword)]);
    cluster = new TestCluster(
      { JOBNEST_REDIS_URL: withUser(redis.url, serverRules.username, serverPassword) },
      { redisUrl: redis.url, mysqlRootUrl: MYSQL_ROOT_URL },
      ns,
    );
    await cluster.start();

    // The CLI prints the app's user; the lines are run as printed.
    const env = { JOBNEST_URL: cluster.baseUrl, JOBNEST_ADMIN_USER: TEST_ADMIN.username };
    const run = await runCliProcess(
      ['apps', 'redis-acl', cluster.appName],
      { ...env, JOBNEST_ADMIN_PASSWORD: TEST_ADMIN.password },
      30_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('ACL SETUSER '));
    assert.equal(lines.length, 2, run.stdout);
    const words = lines[0]!.split(' ');
    appUser = { name: words[2]!, password: words.find((w) => w.startsWith('>'))!.slice(1) };
    assert.equal(lines[1]!.split(' ')[2], serverRules.username, 'the servers line names the same server user');
    await admin.call('ACL', ...words.slice(1));
    appRedis = new Redis(withUser(redis.url, appUser.name, appUser.password), { maxRetriesPerRequest: 1 });

    const other = await new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN }).createApp(
      `other_${cluster.ns.id}`,
      'other-password',
    );
    otherAppId = other.id;
    otherClient = new JobnestClient({ baseUrl: cluster.baseUrl });
    await otherClient.login(other.name, 'other-password');
    await cluster.startWorker({
      workerId: 'acl-1',
      extraEnv: { JOBNEST_REDIS_URL: withUser(redis.url, appUser.name, appUser.password) },
    });
  });

  after(async () => {
    appRedis?.disconnect();
    await cluster?.close();
    admin?.disconnect();
    await redis.stop();
  });

  it('runs standalone and MapReduce instances normally', async () => {
    const hello = await cluster.client.createJob({
      name: 'hello-under-acl',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(hello.id, { instanceParams: 'acl' });
    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(done.status, 'SUCCEEDED', cluster.dump());
    const mr = await cluster.client.createJob({
      name: 'mr-under-acl',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
    });
    const run = await cluster.client.runJob(mr.id, { instanceParams: JSON.stringify({ n: 10_000, chunk: 100 }) });
    const reduced = await cluster.client.waitForInstance(run.instanceId, { timeoutMs: 60_000 });
    assert.equal(reduced.status, 'SUCCEEDED', cluster.dump());
    assert.equal(JSON.parse(reduced.result ?? '{}').sum, (10_000 * 10_001 * 20_001) / 6);
  });

  it("gets NOPERM for another app's streams and workers, and for the system keys", async () => {
    const keys = cluster.keys;
    const nope = /NOPERM/;
    await assert.rejects(appRedis.xadd(keys.appStreams(otherAppId).instanceStatus, '*', 'm', '{}'), nope);
    await assert.rejects(appRedis.xadd(keys.appStreams(otherAppId).heartbeats, '*', 'm', '{}'), nope);
    await assert.rejects(appRedis.get(keys.lease('reconciler')), nope);
    const otherWorker = new Queue('jobnest-worker-b1', {
      connection: appRedis,
      prefix: keys.workerQueuePrefix({ workerId: 'b1', appId: otherAppId }),
    });
    try {
      await assert.rejects(otherWorker.add('RunInstance', {}), nope);
    } finally {
      await otherWorker.close();
    }
    // Its own app's stream, though, it may write; but not delete or replace (the servers read it with the others).
    assert.ok(await appRedis.xadd(cluster.streams.logs, '*', 'm', 'not a log batch'));
    await assert.rejects(appRedis.del(cluster.streams.logs), nope);
    await assert.rejects(appRedis.set(cluster.streams.heartbeats, 'x'), nope);
    await assert.rejects(appRedis.scan('0'), nope);
  });

  it("changes nothing with a report forged on its own stream for another app's instance", async () => {
    const job = await otherClient.createJob({
      name: 'no-worker-here',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await otherClient.runJob(job.id, { instanceParams: 'x' });
    const forged = {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: 'acl-1',
      runningTimes: 1,
      status: 'SUCCEEDED',
      result: 'forged',
      time: Date.now(),
    };
    const forgedLog = {
      kind: 'LogBatch',
      workerId: 'acl-1',
      lines: [{ instanceId, time: Date.now(), level: 'INFO', message: 'forged line' }],
    };
    const reportId = await appRedis.xadd(
      cluster.streams.instanceStatus,
      '*',
      MESSAGE_FIELD,
      encodeMessage(forged as never),
    );
    const logId = await appRedis.xadd(cluster.streams.logs, '*', MESSAGE_FIELD, encodeMessage(forgedLog as never));
    const letters = async (): Promise<string[]> =>
      (await admin.xrange(cluster.keys.deadLetter, '-', '+')).map(([, f]) => `${f[3]} ${f[5]}`);
    await waitUntil(
      async () => {
        const all = await letters();
        return all.some((l) => l.startsWith(`${reportId} `)) && all.some((l) => l.startsWith(`${logId} `));
      },
      15_000,
      `both forged entries dead-lettered\n${cluster.dump()}`,
    );
    const all = await letters();
    assert.ok(all.includes(`${reportId} instance ${instanceId} is not of app ${cluster.appId}`), all.join('\n'));
    assert.ok(all.includes(`${logId} instance ${instanceId} is not of app ${cluster.appId}`), all.join('\n'));
    const instance = await otherClient.getInstance(instanceId);
    assert.notEqual(instance.status, 'SUCCEEDED', 'the forged report changed nothing');
    assert.deepEqual((await otherClient.getInstanceLogs(instanceId)).items, [], 'nor did the forged log line');
  });

  it('ignores a RunInstance of another app put on its queue (by a process with wider rights)', async () => {
    const queue = new Queue('jobnest-worker-acl-1', {
      connection: admin,
      prefix: cluster.keys.workerQueuePrefix({ workerId: 'acl-1', appId: cluster.appId }),
    });
    try {
      await queue.add(
        'RunInstance',
        runCommand({
          instanceId: 999_999,
          appId: otherAppId,
          processor: 'demo.echo',
          executeType: ExecuteType.STANDALONE,
        }),
      );
    } finally {
      await queue.close();
    }
    const worker = cluster.workers.get('acl-1')!;
    await waitUntil(
      () => /ignored RunInstance of instance 999999: it is of app \d+/.test(worker.logs),
      10_000,
      `the worker to refuse it\n${cluster.dump()}`,
    );
  });

  it('answers the same rules on the API as the CLI printed', async () => {
    const acl = await new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN }).getAppRedisAcl(
      cluster.appName,
    );
    assert.equal(acl.app.username, appUser.name);
    const [streams, queues] = cluster.keys.appKeyPatterns(cluster.appId);
    assert.deepEqual(acl.app.keyPatterns, [queues]);
    assert.deepEqual(acl.app.selectors, [{ keyPatterns: [streams], commands: '+xadd +xread +type' }]);
    assert.deepEqual(acl.server.keyPatterns, [`${cluster.ns.prefix}:*`]);
  });
});

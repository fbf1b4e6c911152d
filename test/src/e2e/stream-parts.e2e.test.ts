import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { JobnestApiError, JobnestClient } from '@jobnest/client';
import { SERVER_CONSUMER_GROUP, streamPartOf } from '@jobnest/transport';
import { runCliProcess } from '../support/cli-process';
import { TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';

const WORKERS = ['sp-1', 'sp-2', 'sp-3'];

/**
 * A busy app's status and log streams split into parts (`jobnest apps stream-parts`): each worker reports on its part
 * (a different Redis slot), the servers read every part, and nothing is lost or left pending; the count only grows.
 */
describe('an app whose streams are split into parts', () => {
  const cluster = new TestCluster();
  let admin: JobnestClient;
  let redis: Redis;

  before(async () => {
    await cluster.start();
    admin = new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    redis?.disconnect();
    await cluster.close();
  });

  it('takes the part count from the CLI, refuses fewer and out of range', async () => {
    const run = await runCliProcess(
      ['apps', 'stream-parts', cluster.appName, '4'],
      {
        JOBNEST_URL: cluster.baseUrl,
        JOBNEST_ADMIN_USER: TEST_ADMIN.username,
        JOBNEST_ADMIN_PASSWORD: TEST_ADMIN.password,
      },
      30_000,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await admin.listApps()).find((a) => a.name === cluster.appName)?.streamParts, 4);
    await assert.rejects(admin.setAppStreamParts(cluster.appName, 2), (err: unknown) => {
      return err instanceof JobnestApiError && err.status === 409 && /only grow/.test(err.message);
    });
    await assert.rejects(admin.setAppStreamParts(cluster.appName, 17), (err: unknown) => {
      return err instanceof JobnestApiError && err.status === 400 && /parts must be between 1 and 16/.test(err.message);
    });
  });

  it('runs instances on workers of different parts, and applies every report and log line of each part', async () => {
    for (const workerId of WORKERS) await cluster.startWorker({ workerId });
    const parts = new Set(WORKERS.map((w) => streamPartOf(w, 4)));
    assert.ok(parts.size >= 2, 'the test workers write to several parts');
    const job = await cluster.client.createJob({
      name: 'hello-in-parts',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      dispatchStrategy: 'RANDOM',
    });
    const ids: number[] = [];
    for (let i = 0; i < 15; i++)
      ids.push((await cluster.client.runJob(job.id, { instanceParams: `n${i}` })).instanceId);
    const done = await Promise.all(ids.map((id) => cluster.client.waitForInstance(id, { timeoutMs: 30_000 })));
    assert.deepEqual(
      done.map((i) => i.status),
      ids.map(() => 'SUCCEEDED'),
      cluster.dump(),
    );
    const used = new Set(done.map((i) => streamPartOf(i.workerId!, 4)));
    for (const id of ids) {
      await waitUntil(
        async () => (await cluster.client.getInstanceLogs(id)).items.length === 3,
        10_000,
        `the 3 log lines of instance ${id}`,
      );
    }
    for (const part of used) {
      const stream = cluster.keys.appStreams(cluster.appId, part).instanceStatus;
      const groups = (await redis.xinfo('GROUPS', stream)) as (string | number)[][];
      const group = groups.find((g) => g[g.indexOf('name') + 1] === SERVER_CONSUMER_GROUP);
      const delivered = group?.[group.indexOf('last-delivered-id') + 1];
      assert.ok(delivered !== undefined && delivered !== '0-0', `the servers read reports of part ${part} (${stream})`);
      const pending = (await redis.xpending(stream, SERVER_CONSUMER_GROUP)) as [number];
      assert.equal(pending[0], 0, `nothing pending on ${stream}`);
    }
    assert.ok(used.size >= 2, `the runs used several parts (${[...used].join(', ')})`);
  });
});

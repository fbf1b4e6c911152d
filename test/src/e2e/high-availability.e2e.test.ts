import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Instance, JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function assertConsecutiveSeconds(list: Instance[]): void {
  const slots = list.map((i) => i.expectedTriggerTime).sort((a, b) => a - b);
  assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
  for (let i = 1; i < slots.length; i++) {
    assert.equal(
      slots[i]! - slots[i - 1]!,
      1000,
      `slot missed between ${new Date(slots[i - 1]!).toISOString()} and ${new Date(slots[i]!).toISOString()}`,
    );
  }
}

/** Several servers on one Redis and one MySQL: kills, reclaimed stream entries, malformed entries, misfires. */
describe('high availability across servers', () => {
  const cluster = new TestCluster({ JOBNEST_STREAM_CLAIM_IDLE_MS: '2000', JOBNEST_MISFIRE_THRESHOLD_MS: '1500' });
  let redis: Redis;
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = await cluster.clientOf(1);
    cluster.client = client;
    await cluster.startWorker({ workerId: 'ha1' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    redis.disconnect();
    await cluster.close();
  });

  it('misses and doubles no CRON slot when a server is killed with SIGKILL', async () => {
    const job = await client.createJob({
      name: 'every-second',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    await sleep(4200);
    cluster.servers[0]!.kill('SIGKILL');
    await sleep(6000);
    await client.disableJob(job.id);
    await sleep(1500);
    const list = (await client.listInstances({ jobId: job.id, size: 200 })).items;
    assert.ok(list.length >= 9, `fired ${list.length} times in ~10 s`);
    assertConsecutiveSeconds(list);
    await waitUntil(
      async () =>
        (await client.listInstances({ jobId: job.id, size: 200 })).items.every((i) => i.status === 'SUCCEEDED'),
      15_000,
      'every instance to succeed',
    );
    assert.match(cluster.servers[1]!.logs, /took the reconciliation lease/, 'the lease moved to the surviving server');
  });

  it('processes stream entries a dead server read but never acknowledged (XAUTOCLAIM)', async () => {
    const job = await client.createJob({
      name: 'claimed',
      processor: 'demo.sleep',
      jobParams: '8000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
    const running = await client.getInstance(instanceId);
    const stream = `${cluster.ns.prefix}:stream:instance-status`;
    const report = {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: running.workerId,
      runningTimes: running.runningTimes,
      status: 'SUCCEEDED',
      result: 'read by a server that died',
      time: Date.now(),
    };
    // XADD and XREADGROUP in one transaction: the entry lands in the pending list of a consumer that will never ack.
    const replies = await redis
      .multi()
      .xadd(stream, '*', 'm', JSON.stringify(report))
      .xreadgroup('GROUP', 'jobnest-servers', 'ghost-server', 'COUNT', 10, 'STREAMS', stream, '>')
      .exec();
    const read = replies?.[1]?.[1] as [string, [string, string[]][]][] | null;
    assert.equal(read?.[0]?.[1]?.length, 1, 'the ghost consumer holds the entry');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result, 'read by a server that died');
    const pending = (await redis.xpending(stream, 'jobnest-servers')) as [number, ...unknown[]];
    await waitUntil(
      async () => ((await redis.xpending(stream, 'jobnest-servers')) as [number])[0] === 0,
      10_000,
      `no pending entries (had ${pending[0]})`,
    );
  });

  it("drops a report from a worker that is not the instance's TaskTracker", async () => {
    const job = await client.createJob({
      name: 'guarded',
      processor: 'demo.sleep',
      jobParams: '2000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
    const running = await client.getInstance(instanceId);
    const intruder = {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: 'intruder',
      runningTimes: running.runningTimes,
      status: 'FAILED',
      result: 'forged',
      time: Date.now(),
    };
    const olderRun = {
      ...intruder,
      workerId: running.workerId,
      runningTimes: running.runningTimes + 5,
      result: 'wrong run',
    };
    await redis.xadd(`${cluster.ns.prefix}:stream:instance-status`, '*', 'm', JSON.stringify(intruder));
    await redis.xadd(`${cluster.ns.prefix}:stream:instance-status`, '*', 'm', JSON.stringify(olderRun));
    await sleep(500);
    assert.equal((await client.getInstance(instanceId)).status, 'RUNNING');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result, 'slept 2000 ms');
  });

  it('moves malformed entries to the dead-letter stream and keeps consuming', async () => {
    const status = `${cluster.ns.prefix}:stream:instance-status`;
    const logs = `${cluster.ns.prefix}:stream:logs`;
    const deadLetter = `${cluster.ns.prefix}:stream:dead-letter`;
    const before = await redis.xlen(deadLetter);
    await redis.xadd(status, '*', 'm', '{not json');
    await redis.xadd(status, '*', 'm', JSON.stringify({ kind: 'InstanceStatusReport', instanceId: 1 }));
    await redis.xadd(status, '*', 'other-field', 'x');
    await redis.xadd(
      status,
      '*',
      'm',
      JSON.stringify({
        kind: 'InstanceStatusReport',
        instanceId: 987654321,
        workerId: 'w',
        runningTimes: 1,
        status: 'SUCCEEDED',
        result: null,
        time: 1,
      }),
    );
    await redis.xadd(
      logs,
      '*',
      'm',
      JSON.stringify({
        kind: 'LogBatch',
        workerId: 'w',
        lines: [{ instanceId: 1, time: 1, level: 'SHOUT', message: 'x' }],
      }),
    );
    await redis.xadd(
      logs,
      '*',
      'm',
      JSON.stringify({
        kind: 'LogBatch',
        workerId: 'w',
        lines: [{ instanceId: 987654321, time: 1, level: 'INFO', message: 'for nobody' }],
      }),
    );
    await redis.xadd(`${cluster.ns.prefix}:stream:heartbeats`, '*', 'm', '{"kind":"Heartbeat"}');
    await waitUntil(
      async () => (await redis.xlen(deadLetter)) >= before + 6,
      10_000,
      '6 entries in the dead-letter stream',
    );
    const entries = await redis.xrange(deadLetter, '-', '+');
    const errors = entries.map(([, fields]) => fields[fields.indexOf('error') + 1] ?? '');
    assert.ok(errors.some((e) => /not valid JSON/.test(e)));
    assert.ok(errors.some((e) => /does not exist/.test(e)));
    assert.ok(errors.some((e) => /level must be one of/.test(e)));
    const job = await client.createJob({
      name: 'after-garbage',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, { instanceParams: 'still alive' });
    const done = await client.waitForInstance(instanceId, { timeoutMs: 10_000 });
    assert.equal(done.result, 'still alive');
    assert.equal(cluster.servers[1]!.child.exitCode, null, 'the server did not crash');
  });

  it('skips misfired slots after an outage instead of replaying them', async () => {
    const job = await client.createJob({
      name: 'outage',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    await sleep(2500);
    await cluster.servers[1]!.stop();
    const downAt = Date.now();
    await sleep(6000);
    await cluster.startServer();
    const upAt = Date.now();
    client = await cluster.clientOf(cluster.serverUrls.length - 1);
    cluster.client = client;
    await sleep(3000);
    await client.disableJob(job.id);
    await sleep(1000);
    const list = (await client.listInstances({ jobId: job.id, size: 200 })).items;
    // Slots within the threshold (1.5 s) of the moment the new server took the late trigger still fire; it can take
    // it a moment before its HTTP port answers (upAt), hence the margin.
    const duringOutage = list.filter(
      (i) => i.expectedTriggerTime > downAt + 1000 && i.expectedTriggerTime < upAt - 2500,
    );
    assert.deepEqual(
      duringOutage.map((i) => new Date(i.expectedTriggerTime).toISOString()),
      [],
      'no slot of the outage replayed',
    );
    const after = list.filter((i) => i.expectedTriggerTime >= upAt);
    assert.ok(after.length >= 2, `fires again after the restart (${after.length})`);
    assert.ok((await client.getJob(job.id)).misfiredSlots >= 3, 'the slots of the outage are counted');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { TestCluster, waitUntil } from '../support/cluster';

type ReadReply = [string, [string, string[]][]][] | null;

/** Stream ids compare as <ms>-<seq>. */
function laterThan(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am > bm : as > bs;
}

interface SeenReport {
  instanceId: number;
  runningTimes: number;
  status: string;
}

/** A RUNNING or final report lost on the way is sent again until a server acknowledges it, then no more. */
describe('RUNNING and final reports are re-sent until acknowledged', () => {
  // Long timeouts: the worker is paused on purpose, and the server must learn RUNNING from the worker, not give up.
  const cluster = new TestCluster({ JOBNEST_RECEIVE_TIMEOUT_MS: '600000', JOBNEST_WORKER_TIMEOUT_MS: '120000' });
  let redis: Redis;

  before(async () => {
    await cluster.start();
    await cluster.startWorker({ workerId: 'rr1' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    cluster.workers.get('rr1')?.kill('SIGCONT');
    redis.disconnect();
    await cluster.close();
  });

  /** Ids of the status stream's entries that report `status` for the instance. */
  async function reportEntryIds(instanceId: number, status: string): Promise<string[]> {
    return (await redis.xrange(cluster.streams.instanceStatus, '-', '+'))
      .filter(([, fields]) => {
        const r = JSON.parse(fields[1] ?? '{}') as SeenReport;
        return r.instanceId === instanceId && r.status === status;
      })
      .map(([id]) => id);
  }

  it('reaches the server although its first copy was lost, and stops once acknowledged', async () => {
    const statusStream = cluster.streams.instanceStatus;
    const job = await cluster.client.createJob({
      name: 'long-run',
      processor: 'demo.sleep',
      jobParams: '20000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const worker = cluster.workers.get('rr1')!;
    worker.kill('SIGSTOP');
    const { instanceId } = await cluster.client.runJob(job.id, {});
    assert.equal((await cluster.client.getInstance(instanceId)).status, 'WAITING_WORKER_RECEIVE');
    await cluster.servers[0]!.stop();
    // Sees every report from here on; the servers cannot trim one before it has read it.
    await redis.xgroup('CREATE', statusStream, 'test-observer', '$', 'MKSTREAM');

    worker.kill('SIGCONT');
    const runningEntries = (): Promise<string[]> => reportEntryIds(instanceId, 'RUNNING');
    await waitUntil(async () => (await runningEntries()).length > 0, 15_000, 'the worker to report RUNNING');
    // Lost, as a failover of Redis can lose its last writes.
    const lost = await runningEntries();
    await redis.xdel(statusStream, ...lost);

    await cluster.startServer();
    const client = await cluster.clientOf(cluster.servers.length - 1);
    await waitUntil(
      async () => (await client.getInstance(instanceId)).status !== 'WAITING_WORKER_RECEIVE',
      18_000,
      'the server to learn the run started',
    );
    assert.equal(
      (await client.getInstance(instanceId)).status,
      'RUNNING',
      'known RUNNING while the processor still runs',
    );
    const appliedMark = (await redis.xrevrange(statusStream, '+', '-', 'COUNT', 1))[0]![0];

    const done = await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.runningTimes, 1, 'never dispatched again');
    const reply = (await redis.xreadgroup(
      'GROUP',
      'test-observer',
      'test',
      'COUNT',
      1000,
      'STREAMS',
      statusStream,
      '>',
    )) as ReadReply;
    const reports = (reply?.[0]?.[1] ?? [])
      .map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as SeenReport) }))
      .filter((r) => r.instanceId === instanceId);
    assert.ok(
      reports.some((r) => r.status === 'RUNNING'),
      'RUNNING was sent again after the lost copy',
    );
    // Without an acknowledgement the worker would re-send every 3 s until the end of the run (~15 s on).
    const afterApplied = reports.filter((r) => r.status === 'RUNNING' && laterThan(r.id, appliedMark)).length;
    assert.ok(
      afterApplied <= 1,
      `RUNNING stopped being re-sent once acknowledged (${afterApplied} copies after it was applied)`,
    );
  });

  it('gets a final report to the server although its first copy was lost, and stops once acknowledged', async () => {
    const statusStream = cluster.streams.instanceStatus;
    let client = await cluster.clientOf(cluster.servers.length - 1);
    const job = await client.createJob({
      name: 'short-run',
      processor: 'demo.sleep',
      jobParams: '4000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, {});
    await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 15_000, 'RUNNING');
    // No server while the run ends: its final report waits in the stream, where it is lost.
    await cluster.servers[cluster.servers.length - 1]!.stop();
    await redis.xgroup('CREATE', statusStream, 'test-observer-final', '$', 'MKSTREAM');
    const finalEntries = (): Promise<string[]> => reportEntryIds(instanceId, 'SUCCEEDED');
    await waitUntil(async () => (await finalEntries()).length > 0, 15_000, 'the worker to report SUCCEEDED');
    await redis.xdel(statusStream, ...(await finalEntries()));

    await cluster.startServer();
    client = await cluster.clientOf(cluster.servers.length - 1);
    const done = await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
    assert.equal(done.status, 'SUCCEEDED', 'the re-sent copy reached the server');
    assert.equal(done.result, 'slept 4000 ms');
    assert.equal(done.runningTimes, 1, 'never dispatched again');
    const appliedMark = (await redis.xrevrange(statusStream, '+', '-', 'COUNT', 1))[0]![0];
    // Without an acknowledgement the worker would go on re-sending every 3 s.
    await new Promise((r) => setTimeout(r, 7000));
    const reply = (await redis.xreadgroup(
      'GROUP',
      'test-observer-final',
      'test',
      'COUNT',
      1000,
      'STREAMS',
      statusStream,
      '>',
    )) as ReadReply;
    const copies = (reply?.[0]?.[1] ?? [])
      .map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as SeenReport) }))
      .filter((r) => r.instanceId === instanceId && r.status === 'SUCCEEDED');
    // The lost copy was deleted before this group read it: whatever it sees was sent again.
    assert.ok(copies.length >= 1, 'the final report was sent again after the lost copy');
    const afterApplied = copies.filter((r) => laterThan(r.id, appliedMark)).length;
    assert.ok(afterApplied <= 1, `re-sent ${afterApplied} times after it was applied`);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { JobInput } from '@jobnest/client';
import { FAST_FAILURE_DETECTION, FAST_FAILURE_TIMINGS, TestCluster, waitUntil } from '../support/cluster';

type ReadReply = [string, [string, string[]][]][] | null;

interface SeenReport {
  instanceId: number;
  workerId: string;
  runningTimes: number;
  status: string;
  result: string | null;
}

/**
 * A worker that does not confirm a run within the receive timeout loses it to another worker, and is told to stop
 * it: when it catches up with its queue, it must not run the instance a second time.
 */
describe('a run dispatched again after its receive timeout', () => {
  // The paused worker stays alive for the servers (60 s without heartbeat): the receive timeout (3 s) decides.
  const cluster = new TestCluster({ ...FAST_FAILURE_DETECTION, JOBNEST_WORKER_TIMEOUT_MS: '60000' });
  const observerGroup = 'test-observer';
  let redis: Redis;

  before(async () => {
    await cluster.start();
    await cluster.startWorker({ workerId: 'rt-a' });
    await cluster.startWorker({ workerId: 'rt-b' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    cluster.workers.get('rt-a')?.kill('SIGCONT');
    redis.disconnect();
    await cluster.close();
  });

  it('is stopped on the first worker, which never runs it to the end', async () => {
    const statusStream = cluster.streams.instanceStatus;
    // A group of the test's own: it sees every report, and the servers cannot trim one before it has read it.
    await redis.xgroup('CREATE', statusStream, observerGroup, '$', 'MKSTREAM');
    const seen: SeenReport[] = [];
    const readReports = async (): Promise<void> => {
      const reply = (await redis.xreadgroup(
        'GROUP',
        observerGroup,
        'test',
        'COUNT',
        500,
        'STREAMS',
        statusStream,
        '>',
      )) as ReadReply;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        seen.push(JSON.parse(fields[1] ?? '{}') as SeenReport);
        await redis.xack(statusStream, observerGroup, id);
      }
    };

    const input: JobInput = {
      name: 'exactly-once',
      processor: 'demo.sleep',
      jobParams: '3000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['rt-a'],
    };
    const job = await cluster.client.createJob(input);
    const first = cluster.workers.get('rt-a')!;
    first.kill('SIGSTOP'); // the RunInstance waits in its queue, unconfirmed
    const { instanceId } = await cluster.client.runJob(job.id, {});
    const dispatched = await cluster.client.getInstance(instanceId);
    assert.equal(dispatched.workerId, 'rt-a');
    assert.equal(dispatched.status, 'WAITING_WORKER_RECEIVE');
    await cluster.client.updateJob(job.id, { ...input, designatedWorkers: ['rt-b'] });

    await waitUntil(
      async () => {
        const i = await cluster.client.getInstance(instanceId);
        return i.workerId === 'rt-b' && i.runningTimes === 2;
      },
      FAST_FAILURE_TIMINGS.receiveTimeoutMs + 10_000,
      'run 2 to go to rt-b after the receive timeout',
    );
    assert.match(cluster.servers[0]!.logs, /did not receive run 1 within 3000 ms/);

    first.kill('SIGCONT'); // it now reads RunInstance (run 1), then the stop
    const finalOfRun1 = (): SeenReport | undefined =>
      seen.find(
        (r) => r.instanceId === instanceId && r.workerId === 'rt-a' && r.runningTimes === 1 && r.status !== 'RUNNING',
      );
    await waitUntil(
      async () => {
        await readReports();
        return finalOfRun1() !== undefined;
      },
      20_000,
      'rt-a to report how run 1 ended',
    );
    const ended = finalOfRun1()!;
    assert.equal(ended.status, 'STOPPED', `rt-a must not run the instance to the end: ${JSON.stringify(ended)}`);
    assert.match(ended.result ?? '', /dispatched again/);

    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.workerId, 'rt-b');
    assert.equal(done.runningTimes, 2);
  });
});

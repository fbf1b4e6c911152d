import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCluster, waitUntil } from '../support/cluster';

/** Exact sum of squares of 1..n. */
function sumOfSquares(n: number): number {
  const big = BigInt(n);
  return Number((big * (big + 1n) * (2n * big + 1n)) / 6n);
}

/**
 * A TaskTracker stopped with SIGTERM says so in its last heartbeat: its instance is handed over at once, even right
 * after it started RUNNING, not after the heartbeat timeout (set long here, so waiting it out fails the test).
 */
describe('graceful handover', () => {
  const WORKER_TIMEOUT_MS = 30_000;
  const cluster = new TestCluster({ JOBNEST_WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS) });

  before(async () => {
    await cluster.start();
    for (const id of ['g1', 'g2']) await cluster.startWorker({ workerId: id });
  });

  after(async () => {
    await cluster.close();
  });

  it('hands a distributed instance over as soon as its TaskTracker shuts down, early in the run', async () => {
    const job = await cluster.client.createJob({
      name: 'handover',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      concurrency: 5,
    });
    const { instanceId } = await cluster.client.runJob(job.id, {
      instanceParams: JSON.stringify({ n: 20_000, chunk: 100, sleepMs: 40 }),
    });
    await waitUntil(async () => (await cluster.client.getInstance(instanceId)).status === 'RUNNING', 20_000, 'RUNNING');
    const tracker = (await cluster.client.getInstance(instanceId)).workerId!;
    const stoppedAt = Date.now();
    await cluster.workers.get(tracker)!.stop();
    await waitUntil(
      async () => {
        const i = await cluster.client.getInstance(instanceId);
        return i.workerId !== tracker || i.status === 'SUCCEEDED';
      },
      WORKER_TIMEOUT_MS / 2,
      `another worker to take instance ${instanceId} over\n${cluster.dump()}`,
    );
    const handedOverMs = Date.now() - stoppedAt;
    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 120_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.notEqual(done.workerId, tracker, 'the other worker finished it');
    assert.equal(done.runningTimes, 2, 'a takeover, not a failed run');
    assert.deepEqual(JSON.parse(done.result ?? '{}'), { sum: sumOfSquares(20_000), ranges: 200, failed: 0 });
    assert.ok(handedOverMs < WORKER_TIMEOUT_MS / 2, `handed over after ${handedOverMs} ms`);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance, JobInput, JobnestClient } from '@jobnest/client';
import { exitCodeWithin } from '../support/child-process';
import { FAST_FAILURE_DETECTION, FAST_FAILURE_TIMINGS, TestCluster, waitUntil } from '../support/cluster';
import { allLogEntries, keepsHolding, pollUntil, waitForLogLine } from '../support/wait-until';

async function createJob(client: JobnestClient, over: Partial<JobInput>): Promise<number> {
  const created = await client.createJob({
    name: `sf-${Math.random().toString(36).slice(2, 8)}`,
    processor: 'demo.echo',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
    ...over,
  });
  return created.id;
}

/** Runs the job and waits until the instance is RUNNING; returns it (its workerId is the worker running it). */
async function runUntilRunning(client: JobnestClient, jobId: number): Promise<Instance> {
  const { instanceId } = await client.runJob(jobId, {});
  return pollUntil(
    () => client.getInstance(instanceId),
    (i) => i.status === 'RUNNING' && i.workerId !== null,
    30_000,
    `instance ${instanceId} to run`,
  );
}

/**
 * Standalone runs whose worker fails them, goes silent or shuts down: README "Semantics" (instanceTimeLimitMs, a
 * worker killed while running, runs dispatched again) and "Writing processors" (SIGTERM reports a standalone run
 * FAILED, the server retries it). Test timings: JOBNEST_WORKER_TIMEOUT_MS 3 s, heartbeats every 500 ms.
 */
describe('standalone runs when the processor or its worker misbehaves', () => {
  const cluster = new TestCluster(FAST_FAILURE_DETECTION);
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'deaf-1', tags: ['deaf'] });
  });

  after(async () => {
    for (const w of cluster.workers.values()) w.kill('SIGCONT');
    await cluster.close();
  });

  it('fails a run at its time limit although the processor ignores its signal, and drops its late result', async () => {
    const jobId = await createJob(client, {
      processor: 'demo.ignore-abort',
      jobParams: '20000',
      instanceTimeLimitMs: 1500,
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['deaf'],
    });
    const { instanceId } = await client.runJob(jobId, {});
    const failed = await client.waitForInstance(instanceId, { timeoutMs: 60_000 });
    assert.equal(failed.status, 'FAILED', `${JSON.stringify(failed)}\n${cluster.dump()}`);
    // The worker's own verdict: the server's backstop would add "(worker did not report)", and a worker waiting for
    // the processor would report its SUCCEEDED after 20 s.
    assert.equal(failed.result, 'instance time limit of 1500 ms exceeded');
    assert.ok(
      failed.finishedTime! - failed.actualTriggerTime! < 20_000,
      `ended ${failed.finishedTime! - failed.actualTriggerTime!} ms after its start, before the processor returned`,
    );
    const lines = await waitForLogLine(client, instanceId, /^finished after ignoring the abort$/, 60_000);
    assert.ok(
      lines.some((l) => /^ignoring the abort: instance time limit/.test(l.message)),
      `the signal was aborted at the limit: ${lines.map((l) => l.message).join(' | ')}`,
    );
    // The processor has returned 'finished late' on the worker: the instance keeps the time-limit outcome.
    await keepsHolding(
      async () => {
        const now = await client.getInstance(instanceId);
        return now.status === 'FAILED' && now.result === failed.result && now.finishedTime === failed.finishedTime;
      },
      3000,
      'the time-limit outcome after the late result',
    );
  });

  it('reports a standalone run FAILED when its worker stops on SIGTERM', async () => {
    const worker = await cluster.startWorker({ workerId: 'term-a', tags: ['term-a'] });
    const jobId = await createJob(client, {
      processor: 'demo.sleep-per-run',
      jobParams: '600000',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['term-a'],
    });
    const running = await runUntilRunning(client, jobId);
    assert.equal(running.workerId, 'term-a');
    worker.kill('SIGTERM');
    await exitCodeWithin(worker, 60_000);
    assert.match(worker.logs, /worker term-a stopped/, 'term-a went through its shutdown, not killed');
    const failed = await client.waitForInstance(running.id, { timeoutMs: 60_000 });
    assert.equal(failed.status, 'FAILED', JSON.stringify(failed));
    // Reported by the worker itself: the reconciler's verdict would read "... stopped heartbeating ...".
    assert.equal(failed.result, 'worker term-a shut down');
    assert.equal(failed.runningTimes, 1);
    const lines = await waitForLogLine(client, running.id, /^run 1 on term-a aborted: /, 30_000);
    assert.ok(
      lines.some((l) => l.message === 'run 1 on term-a aborted: worker term-a shut down'),
      lines.map((l) => l.message).join(' | '),
    );
  });

  it('retries on another worker, within instanceRetries, a run whose worker stopped on SIGTERM', async () => {
    await cluster.startWorker({ workerId: 'term-b', tags: ['term-pair'] });
    await cluster.startWorker({ workerId: 'term-c', tags: ['term-pair'] });
    const jobId = await createJob(client, {
      processor: 'demo.sleep-per-run',
      jobParams: '600000,300',
      instanceRetries: 1,
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['term-pair'],
    });
    const running = await runUntilRunning(client, jobId);
    const first = running.workerId!;
    const other = first === 'term-b' ? 'term-c' : 'term-b';
    await cluster.workers.get(first)!.stop(60_000);
    const done = await client.waitForInstance(running.id, { timeoutMs: 60_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.runningTimes, 2, 'run 2 is the retry');
    assert.equal(done.workerId, other);
    assert.equal(done.result, `run 2 on ${other} slept 300 ms`);
    const lines = await waitForLogLine(client, running.id, new RegExp(`^run 1 on ${first} aborted: `), 30_000);
    assert.ok(
      lines.some((l) => l.message === `run 1 on ${first} aborted: worker ${first} shut down`),
      lines.map((l) => l.message).join(' | '),
    );
  });

  /** Set by the SIGSTOP test for the one after it: the instance, and the worker that went silent during its run 1. */
  let silentRun: { instanceId: number; first: string; result: string } | undefined;

  it('retries a run whose worker goes silent (SIGSTOP) on another worker, after the worker timeout', async () => {
    await cluster.startWorker({ workerId: 'mute-a', tags: ['mute'] });
    await cluster.startWorker({ workerId: 'mute-b', tags: ['mute'] });
    const jobId = await createJob(client, {
      processor: 'demo.sleep-per-run',
      jobParams: '600000,2000',
      instanceRetries: 1,
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['mute'],
    });
    const running = await runUntilRunning(client, jobId);
    const first = running.workerId!;
    const other = first === 'mute-a' ? 'mute-b' : 'mute-a';
    const seen = (await client.listWorkers()).find((w) => w.workerId === first);
    assert.ok(seen, `${first} is listed`);
    const frozen = cluster.workers.get(first)!;
    frozen.kill('SIGSTOP');
    try {
      // The first time the test sees the retry bounds when it happened: not before the worker timeout had passed
      // since the last heartbeat (which came at or after the one listed before the SIGSTOP).
      let firstSeenRetried = 0;
      const retried = await pollUntil(
        async () => {
          const i = await client.getInstance(running.id);
          if (i.runningTimes >= 2 && firstSeenRetried === 0) firstSeenRetried = Date.now();
          return i;
        },
        (i) => i.runningTimes === 2 && i.status === 'RUNNING',
        FAST_FAILURE_TIMINGS.workerTimeoutMs + 30_000,
        `instance ${running.id} to run again`,
      );
      assert.equal(retried.workerId, other, 'the retry went to the live worker');
      assert.ok(
        firstSeenRetried >= seen.lastHeartbeat + FAST_FAILURE_TIMINGS.workerTimeoutMs,
        `retried by ${firstSeenRetried}, less than ${FAST_FAILURE_TIMINGS.workerTimeoutMs} ms after the last heartbeat seen (${seen.lastHeartbeat})`,
      );
    } finally {
      frozen.kill('SIGCONT');
    }
    const done = await client.waitForInstance(running.id, { timeoutMs: 60_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.runningTimes, 2);
    assert.equal(done.workerId, other);
    assert.equal(done.result, `run 2 on ${other} slept 2000 ms`);
    silentRun = { instanceId: running.id, first, result: done.result };
  });

  // README "Semantics": "A run dispatched again ... (or because its worker died) is stopped on the worker it was first
  // sent to (StopInstance)", also a RUNNING run retried because its worker went silent (ReconcilerService).
  it('stops the first run on the silent worker once it wakes, and drops its late report', async () => {
    assert.ok(silentRun, 'the SIGSTOP test ran first');
    const { instanceId, first, result } = silentRun;
    // Run 1 would sleep on for 10 minutes: the woken worker must be told to stop it.
    const lines = await waitForLogLine(client, instanceId, new RegExp(`^run 1 on ${first} aborted: `), 20_000);
    assert.equal(lines.filter((l) => l.message.startsWith(`run 1 on ${first}`)).length, 2, 'run 1 started once');
    // Its report of run 1 is of an older run: dropped.
    await keepsHolding(
      async () => {
        const now = await client.getInstance(instanceId);
        return now.status === 'SUCCEEDED' && now.result === result && now.runningTimes === 2;
      },
      3000,
      'the outcome of run 2 after run 1 ended on the woken worker',
    );
  });
});

/**
 * With a worker timeout of 2 minutes (so a silent worker is not declared dead during the test) and a no-worker grace
 * of 2 minutes: the server's own time limit, and an instance that waits for a worker that starts later.
 */
describe('standalone runs waiting for a worker, and a worker silent past the time limit', () => {
  const cluster = new TestCluster({ JOBNEST_WORKER_TIMEOUT_MS: '120000', JOBNEST_NO_WORKER_GRACE_MS: '120000' });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
  });

  after(async () => {
    for (const w of cluster.workers.values()) w.kill('SIGCONT');
    await cluster.close();
  });

  it('keeps a run waiting with its reason while the app has no worker, and runs it on a worker that joins later', async () => {
    assert.deepEqual(await client.listWorkers(), [], 'no worker yet');
    const jobId = await createJob(client, { processor: 'demo.echo' });
    const { instanceId } = await client.runJob(jobId, { instanceParams: 'hello, latecomer' });
    const waiting = await pollUntil(
      () => client.getInstance(instanceId),
      (i) => /waiting for a worker/.test(i.statusReason ?? ''),
      15_000,
      'the waiting reason',
    );
    assert.equal(waiting.status, 'WAITING_DISPATCH');
    assert.match(waiting.statusReason ?? '', /no live worker/);
    await cluster.startWorker({ workerId: 'late-1' });
    const done = await client.waitForInstance(instanceId, { timeoutMs: 60_000 });
    assert.equal(done.status, 'SUCCEEDED', `${JSON.stringify(done)}\n${cluster.dump()}`);
    assert.equal(done.workerId, 'late-1');
    assert.equal(done.result, 'hello, latecomer');
    assert.equal(done.runningTimes, 1);
  });

  it('fails a run at its time limit on the server when its worker stays silent, and ignores the late report', async () => {
    await waitUntil(
      async () => (await client.listWorkers()).some((w) => w.workerId === 'late-1'),
      10_000,
      'late-1 to be live',
    );
    const jobId = await createJob(client, {
      processor: 'demo.sleep',
      jobParams: '600000',
      instanceTimeLimitMs: 2000,
    });
    const running = await runUntilRunning(client, jobId);
    const frozen = cluster.workers.get(running.workerId!)!;
    frozen.kill('SIGSTOP');
    let failed: Instance;
    try {
      failed = await client.waitForInstance(running.id, { timeoutMs: 60_000 });
    } finally {
      frozen.kill('SIGCONT');
    }
    assert.equal(failed.status, 'FAILED', `${JSON.stringify(failed)}\n${cluster.dump()}`);
    assert.equal(failed.result, 'instance time limit of 2000 ms exceeded (worker did not report)');
    assert.ok(failed.finishedTime! >= failed.actualTriggerTime! + 2000, 'not before the limit');
    assert.equal((await client.listInstances({ status: 'RUNNING' })).total, 0, 'nothing left RUNNING');
    // Awake again, the worker aborts the processor (its own limit, or the server's StopInstance) and reports late.
    await waitForLogLine(client, running.id, /^aborted: /, 30_000);
    await keepsHolding(
      async () => {
        const now = await client.getInstance(running.id);
        return now.status === 'FAILED' && now.result === failed.result && now.finishedTime === failed.finishedTime;
      },
      3000,
      "the server's time-limit outcome after the worker's late report",
    );
    assert.ok((await allLogEntries(client, running.id)).every((l) => l.workerId === running.workerId));
  });
});

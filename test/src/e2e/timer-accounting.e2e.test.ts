import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance, JobInput, JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';
import { keepsHolding, pollUntil } from '../support/wait-until';

const MISFIRE_THRESHOLD_MS = 1500;

/**
 * README "Timers": enable re-arms a disabled timer, every slot is either fired or counted (skipped or misfired),
 * and the worker starts the processor on its slot although the trigger fires 300 ms ahead.
 */
describe('timer accounting', () => {
  const cluster = new TestCluster({
    JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '1000',
    JOBNEST_MISFIRE_THRESHOLD_MS: String(MISFIRE_THRESHOLD_MS),
  });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'ta1' });
  });

  after(async () => {
    for (const s of cluster.servers) s.kill('SIGCONT');
    await cluster.close();
  });

  async function timed(over: Partial<JobInput>): Promise<number> {
    const job = await client.createJob({
      name: `ta-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
      ...over,
    });
    return job.id;
  }

  async function instancesOf(jobId: number): Promise<Instance[]> {
    const page = await client.listInstances({ jobId, size: 200 });
    assert.ok(page.total <= 200, 'one page holds them all');
    return page.items.sort((a, b) => a.expectedTriggerTime - b.expectedTriggerTime);
  }

  it('starts the processor on its slot, not when the trigger fires ahead of it', async () => {
    const jobId = await timed({ processor: 'demo.start-time' });
    let done: Instance[];
    try {
      done = await pollUntil(
        async () => (await instancesOf(jobId)).filter((i) => i.status === 'SUCCEEDED'),
        (list) => list.length >= 5,
        30_000,
        '5 runs of the per-second CRON',
      );
    } finally {
      await client.disableJob(jobId);
    }
    for (const i of done) {
      const startedAt = Number(i.result);
      assert.ok(Number.isSafeInteger(startedAt), `result ${i.result}`);
      assert.ok(
        startedAt >= i.expectedTriggerTime,
        `slot ${new Date(i.expectedTriggerTime).toISOString()}: processor started ${i.expectedTriggerTime - startedAt} ms early`,
      );
      assert.ok(i.actualTriggerTime! >= i.expectedTriggerTime, 'the run was due at its slot');
    }
  });

  it('fires again once a disabled timer is enabled, and fires nothing in between', async () => {
    const jobId = await timed({});
    await pollUntil(
      () => instancesOf(jobId),
      (l) => l.length >= 2,
      20_000,
      'the CRON to fire',
    );
    await client.disableJob(jobId);
    const disabledAt = Date.now();
    // Quiet for 3 s: a slot due then would have its instance (the trigger fires 300 ms ahead).
    await waitUntil(() => Date.now() >= disabledAt + 3000, 10_000, '3 s after disabling');
    const quiet = (await instancesOf(jobId)).filter((i) => i.expectedTriggerTime > disabledAt + 1000);
    assert.deepEqual(
      quiet.map((i) => new Date(i.expectedTriggerTime).toISOString()),
      [],
      'no slot fired while disabled',
    );
    const enabledAt = Date.now();
    assert.equal((await client.enableJob(jobId)).enabled, true);
    const again = await pollUntil(
      () => instancesOf(jobId),
      (l) => l.filter((i) => i.expectedTriggerTime >= enabledAt).length >= 2,
      20_000,
      'the enabled CRON to fire again',
    );
    await client.disableJob(jobId);
    const inGap = again.filter((i) => i.expectedTriggerTime > disabledAt + 1000 && i.expectedTriggerTime < enabledAt);
    assert.deepEqual(
      inGap.map((i) => new Date(i.expectedTriggerTime).toISOString()),
      [],
      'the slots of the disabled time are not replayed on enable',
    );
  });

  it('accounts for every slot of a lifecycle across a server stall: instances + skippedSlots + misfiredSlots', async (t) => {
    // 16 slots, T .. T + 15 s; the lifecycle edges sit between slots so neither edge is in question.
    const first = Math.ceil((Date.now() + 4000) / 1000) * 1000;
    const slots = 16;
    const lifecycle = { start: first - 500, end: first + (slots - 1) * 1000 + 500 };
    const running = await timed({ lifecycle });
    // No worker takes this one: its instance waits, the slots meanwhile are skipped, the grace fails it, and so on.
    const waiting = await timed({ lifecycle, dispatchStrategy: 'SPECIFY', designatedWorkers: ['absent'] });

    await pollUntil(
      () => instancesOf(running),
      (l) => l.length >= 1,
      30_000,
      'the first slot to fire',
    );
    // A frozen server (a long GC pause, a stopped VM) for 5 s, well past the misfire threshold, mid-lifecycle. It
    // freezes 150 ms before the fifth slot: the waiting job's trigger for it is then waiting for the slot to decide
    // (its overlap policy would skip), and the stall outlasts that trigger's 5 s lock, so the stall check replays it
    // too. The slot must be counted once, by the replay, not also by the frozen wait when it wakes.
    await waitUntil(() => Date.now() >= first + 3850, 30_000, '150 ms before the fifth slot');
    const server = cluster.servers[0]!;
    server.kill('SIGSTOP');
    try {
      await waitUntil(() => Date.now() >= first + 9000, 30_000, 'a 5 s stall');
    } finally {
      server.kill('SIGCONT');
    }
    assert.ok(Date.now() < lifecycle.end, 'the stall ended inside the lifecycle: the scenario holds');

    await waitUntil(
      async () => !(await client.getJob(running)).enabled && !(await client.getJob(waiting)).enabled,
      60_000,
      'both jobs to be disabled at the end of their lifecycle',
    );
    const account = async (jobId: number) => {
      const job = await client.getJob(jobId);
      const list = await instancesOf(jobId);
      return { instances: list.length, skipped: job.skippedSlots, misfired: job.misfiredSlots, list };
    };
    const sum = (a: { instances: number; skipped: number; misfired: number }) => a.instances + a.skipped + a.misfired;
    for (const jobId of [running, waiting]) {
      const settled = await pollUntil(
        () => account(jobId),
        (a) => sum(a) >= slots,
        30_000,
        `job ${jobId} to account for ${slots} slots`,
      );
      const shown = JSON.stringify({ ...settled, list: settled.list.map((i) => i.expectedTriggerTime - first) });
      t.diagnostic(`job ${jobId}: ${shown}`);
      assert.equal(sum(settled), slots, `job ${jobId}: ${shown}`);
      const fired = settled.list.map((i) => i.expectedTriggerTime);
      assert.equal(new Set(fired).size, fired.length, `one instance per slot: ${shown}`);
      for (const t of fired) {
        assert.ok(t >= first && t <= lifecycle.end && (t - first) % 1000 === 0, `slot ${t - first} ms: ${shown}`);
      }
      await keepsHolding(async () => sum(await account(jobId)) === slots, 3000, `job ${jobId}'s account`);
    }
    const runningAccount = await account(running);
    assert.ok(runningAccount.misfired >= 1, `the stall misfired slots: ${JSON.stringify(runningAccount)}`);
    assert.ok((await account(waiting)).skipped >= 1, 'the waiting instance made slots skip');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { Instance, JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The server takes a slot's trigger this long before the slot (see ARCHITECTURE.md, Timers). */
const TRIGGER_LEAD_MS = 300;

/**
 * A trigger the server takes again after a crash (its lock expired while the dead server held it) or late, when its
 * slot already has an instance: the slot was fired, so it must be counted neither as misfired nor as skipped, and the
 * slots after it (fired or counted by the triggers that followed) must not be counted again. Every slot is fired
 * or counted exactly once.
 */
describe('a trigger replayed for a slot that already fired', () => {
  const cluster = new TestCluster({ JOBNEST_MISFIRE_THRESHOLD_MS: '1500' });
  let client: JobnestClient;
  let triggers: Queue;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'r1' });
    triggers = new Queue('jobnest-trigger', { connection: { url: cluster.ns.redisUrl }, prefix: cluster.keys.system });
  });

  after(async () => {
    await triggers.close();
    await cluster.close();
  });

  async function instancesOf(jobId: number): Promise<Instance[]> {
    return (await client.listInstances({ jobId, size: 200 })).items.sort(
      (a, b) => a.expectedTriggerTime - b.expectedTriggerTime,
    );
  }

  /**
   * Adds a trigger for `slot` shaped like the scheduler's own (`repeat:<scheduler>:<due>`; another scheduler name, so
   * BullMQ does not take it for the job it already ran), and waits until a server has handled it.
   */
  async function replay(jobId: number, slot: number): Promise<void> {
    const id = `repeat:replay-${jobId}:${slot - TRIGGER_LEAD_MS}`;
    await triggers.add('scheduled', { jobId }, { jobId: id });
    await waitUntil(async () => (await triggers.getJob(id))?.finishedOn !== undefined, 10_000, 'the replay handled');
  }

  it('counts a slot that fired long ago neither as misfired nor its successors again', async () => {
    const job = await client.createJob({
      name: 'replayed-late',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    await waitUntil(async () => (await instancesOf(job.id)).length >= 4, 20_000, 'four slots fired');
    const firstSlot = (await instancesOf(job.id))[0]!.expectedTriggerTime;
    // The first slot is now well past the misfire threshold: before the fix it counted as misfired, and the catch-up
    // from it counted every slot since as misfired again.
    await sleep(2000);
    await replay(job.id, firstSlot);
    await waitUntil(
      async () => (await triggers.getJobCounts('completed', 'failed', 'active', 'wait')).wait === 0,
      10_000,
      'the replayed trigger taken',
    );
    await sleep(1000);
    await client.disableJob(job.id);
    await waitUntil(
      async () => (await instancesOf(job.id)).every((i) => i.status === 'SUCCEEDED'),
      15_000,
      'every instance to finish',
    );
    const slots = (await instancesOf(job.id)).map((i) => i.expectedTriggerTime);
    const { misfiredSlots, skippedSlots } = await client.getJob(job.id);
    assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
    assert.equal(misfiredSlots, 0, 'a fired slot replayed late is not a misfire, nor are the slots after it');
    assert.equal(skippedSlots, 0);
    assert.equal(slots.length, (slots[slots.length - 1]! - slots[0]!) / 1000 + 1, 'no slot missing');
  });

  it('does not count a slot as skipped because of its own still-running instance', async () => {
    // One slot in the lifecycle, whose instance runs 5 s under maxInstances = 1.
    const slot = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const job = await client.createJob({
      name: 'replayed-running',
      processor: 'demo.sleep',
      jobParams: '5000',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
      lifecycle: { start: slot, end: slot + 999 },
      maxInstances: 1,
    });
    await waitUntil(
      async () => (await instancesOf(job.id)).some((i) => i.status === 'RUNNING'),
      15_000,
      'the slot running',
    );
    // Within the misfire threshold, so the slot would launch if it had no instance; maxInstances = 1 is taken by the
    // slot's own instance, which made the replay count as a skip.
    await replay(job.id, slot);
    const after = await client.getJob(job.id);
    assert.equal(after.skippedSlots, 0, 'the slot had its instance: not skipped');
    assert.equal(after.misfiredSlots, 0);
    assert.deepEqual(
      (await instancesOf(job.id)).map((i) => i.expectedTriggerTime),
      [slot],
    );
    await client.deleteJob(job.id);
  });
});

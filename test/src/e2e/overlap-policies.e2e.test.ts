import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance, JobnestClient, OverlapPolicy } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How long each policy's CRON runs: long enough for the 2.5 s processor to overlap a few slots. */
const RUN_FOR_MS = 7_500;
const FINAL = ['SUCCEEDED', 'FAILED', 'STOPPED', 'CANCELED'];

interface Observed {
  instances: Instance[];
  skippedSlots: number;
  /** The most instances held by the overlap buffer at one poll. */
  mostBuffered: number;
}

/**
 * Issue 17: every overlap policy on a per-second CRON whose processor takes 2.5 s, on two servers. Each policy has
 * a job of its own, all running at once; what ran when comes from the processors' own records (demo.span).
 */
describe('overlap policies of timed jobs', () => {
  // No reconciler pass within the test: a buffered slot must start from the end that frees its job, or at its slot.
  const cluster = new TestCluster({ JOBNEST_RECONCILE_INTERVAL_MS: '3600000' });
  /** Runs shorter than the period, ending within the 300 ms a trigger fires ahead of its slot: per policy. */
  const shortRuns = new Map<'BUFFER_ONE' | 'SKIP', Observed>();
  /** SKIP on a 100 ms FIXED_RATE: three slots' triggers are out at once, each fired before the slot before it. */
  let fastRate: Observed & { ranFor: number };
  let client: JobnestClient;
  const observed = new Map<OverlapPolicy, Observed>();

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'o1' });
    await cluster.startWorker({ workerId: 'o2' });
    const policies: OverlapPolicy[] = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'ALLOW_ALL'];
    const jobs = new Map<OverlapPolicy, number>();
    for (const policy of policies) {
      const job = await client.createJob({
        name: `overlap-${policy}`,
        processor: 'demo.span',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '* * * * * *',
        jobParams: '2500',
        overlapPolicy: policy,
        overlapBufferLimit: 3,
      });
      jobs.set(policy, job.id);
    }
    const shortJobs = new Map<'BUFFER_ONE' | 'SKIP', number>();
    for (const policy of ['BUFFER_ONE', 'SKIP'] as const) {
      const job = await client.createJob({
        name: `overlap-${policy}-short`,
        processor: 'demo.span',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '* * * * * *',
        jobParams: '800',
        overlapPolicy: policy,
      });
      shortJobs.set(policy, job.id);
    }
    const fastJob = await client.createJob({
      name: 'overlap-SKIP-100ms',
      processor: 'demo.span',
      executeType: 'STANDALONE',
      timeExpressionType: 'FIXED_RATE',
      timeExpression: '100',
      jobParams: '0',
    });
    const fastSince = Date.now();
    const mostBuffered = new Map<OverlapPolicy, number>(policies.map((p) => [p, 0]));
    const until = Date.now() + RUN_FOR_MS;
    while (Date.now() < until) {
      for (const [policy, jobId] of jobs) {
        const buffered = (await instancesOf(jobId)).filter((i) => i.heldBy === 'OVERLAP').length;
        mostBuffered.set(policy, Math.max(mostBuffered.get(policy)!, buffered));
      }
      await sleep(200);
    }
    await client.disableJob(fastJob.id);
    const fastRanFor = Date.now() - fastSince;
    for (const jobId of [...jobs.values(), ...shortJobs.values()]) await client.disableJob(jobId);
    for (const [policy, jobId] of jobs) {
      await untilEveryInstanceEnds(jobId, `the ${policy} job`);
      observed.set(policy, {
        instances: await instancesOf(jobId),
        skippedSlots: (await client.getJob(jobId)).skippedSlots,
        mostBuffered: mostBuffered.get(policy)!,
      });
    }
    await untilEveryInstanceEnds(fastJob.id, 'the 100 ms FIXED_RATE job');
    fastRate = {
      instances: await instancesOf(fastJob.id),
      skippedSlots: (await client.getJob(fastJob.id)).skippedSlots,
      mostBuffered: 0,
      ranFor: fastRanFor,
    };
    for (const [policy, jobId] of shortJobs) {
      await untilEveryInstanceEnds(jobId, `the short ${policy} job`);
      shortRuns.set(policy, {
        instances: await instancesOf(jobId),
        skippedSlots: (await client.getJob(jobId)).skippedSlots,
        mostBuffered: 0,
      });
    }
  });

  after(() => cluster.close());

  /** Waits up to 30 s for every instance of the job to end; else fails naming those left and dumping the logs. */
  async function untilEveryInstanceEnds(jobId: number, what: string): Promise<void> {
    await waitUntil(
      async () => (await instancesOf(jobId)).every((i) => FINAL.includes(i.status)),
      30_000,
      `every instance of ${what} to end`,
    ).catch(async (err: unknown) => {
      const left = (await instancesOf(jobId)).filter((i) => !FINAL.includes(i.status));
      throw new Error(`${String(err)}; unfinished: ${JSON.stringify(left)}\n${cluster.dump()}`, { cause: err });
    });
  }

  async function instancesOf(jobId: number): Promise<Instance[]> {
    return (await client.listInstances({ jobId, size: 200 })).items.sort((a, b) => a.id - b.id);
  }

  function spans(instances: Instance[]): { id: number; slot: number; start: number; end: number }[] {
    return instances
      .filter((i) => i.status === 'SUCCEEDED')
      .map((i) => ({
        id: i.id,
        slot: i.expectedTriggerTime,
        ...(JSON.parse(i.result!) as { start: number; end: number }),
      }))
      .sort((a, b) => a.start - b.start);
  }

  /** Whether the spans ran one at a time: each starts after the one before it ended. */
  function oneAtATime(list: { start: number; end: number }[]): boolean {
    return list.every((s, i) => i === 0 || s.start >= list[i - 1]!.end);
  }

  it('SKIP: skips the slots that come while an instance runs, and runs one at a time', () => {
    const { instances, skippedSlots } = observed.get('SKIP')!;
    const ran = spans(instances);
    assert.ok(ran.length >= 2, `ran ${ran.length}`);
    assert.ok(oneAtATime(ran), JSON.stringify(ran));
    assert.ok(skippedSlots >= 3, `skipped ${skippedSlots}`);
    assert.ok(instances.every((i) => i.heldBy === null));
  });

  it('BUFFER_ONE: keeps one slot waiting and starts it as soon as the running one ends', () => {
    const { instances, skippedSlots, mostBuffered } = observed.get('BUFFER_ONE')!;
    const ran = spans(instances);
    assert.ok(ran.length >= 3, `ran ${ran.length}`);
    assert.ok(oneAtATime(ran), JSON.stringify(ran));
    assert.equal(mostBuffered, 1, 'one slot waited at a time');
    assert.ok(skippedSlots >= 1, `skipped ${skippedSlots}`);
    // Back to back: a buffered instance starts right after the one before it ends (no polling delay).
    for (let i = 1; i < ran.length; i++) {
      if (ran[i]!.slot < ran[i - 1]!.end) assert.ok(ran[i]!.start - ran[i - 1]!.end < 500, JSON.stringify(ran));
    }
  });

  it('BUFFER_ONE: runs shorter than the period start at their slots', () => {
    const { instances, skippedSlots } = shortRuns.get('BUFFER_ONE')!;
    const ran = spans(instances);
    // A slot's trigger fires 300 ms early, while the 800 ms run before it still goes; by the slot that run has
    // ended, so the slot starts on time instead of waiting behind it (or a reconciler pass).
    assert.ok(ran.length >= RUN_FOR_MS / 1000 - 3, `ran ${ran.length}: ${JSON.stringify(ran)}`);
    assert.ok(skippedSlots <= 1, `skipped ${skippedSlots}`);
    for (const s of ran) assert.ok(s.start - s.slot < 500, `started ${s.start - s.slot} ms after its slot`);
  });

  it('SKIP: skips no slot when each run ends before the next slot, even within the trigger lead', () => {
    const { instances, skippedSlots } = shortRuns.get('SKIP')!;
    const ran = spans(instances);
    // Each 800 ms run is still going when the next slot's trigger fires (300 ms ahead) and over 100 ms before the
    // slot itself: the policy must count what is unfinished at the slot, not at its trigger.
    // Counted at the trigger, slots were skipped (2 of 8 in the run that found it); 200 ms is ample for the report.
    assert.equal(skippedSlots, 0, `skipped ${skippedSlots}: ${JSON.stringify(ran)}`);
    assert.ok(ran.length >= RUN_FOR_MS / 1000 - 2, `ran ${ran.length}: ${JSON.stringify(ran)}`);
    assert.ok(oneAtATime(ran), JSON.stringify(ran));
    for (const s of ran) assert.ok(s.start - s.slot < 500, `started ${s.start - s.slot} ms after its slot`);
  });

  it('SKIP: a 100 ms FIXED_RATE job whose runs take milliseconds runs every slot, on time', () => {
    const { instances, skippedSlots, ranFor } = fastRate;
    const ran = spans(instances);
    // Decided when their triggers fired (300 ms ahead), two slots in three were skipped for instances dispatched
    // ahead and not started yet. Two are allowed to a machine stalled for a period.
    assert.ok(skippedSlots <= 2, `skipped ${skippedSlots} of ${instances.length + skippedSlots}`);
    assert.ok(ran.length >= ranFor / 100 - 10, `ran ${ran.length} in ${ranFor} ms`);
    assert.ok(oneAtATime(ran), JSON.stringify(ran));
    const late = ran.filter((s) => s.start - s.slot > 50);
    assert.ok(late.length <= 2, `started over 50 ms late: ${JSON.stringify(late)}`);
  });

  it('BUFFER_ALL: keeps every slot up to the buffer limit waiting, in order', () => {
    const { instances, skippedSlots, mostBuffered } = observed.get('BUFFER_ALL')!;
    const ran = spans(instances);
    assert.ok(oneAtATime(ran), JSON.stringify(ran));
    assert.equal(mostBuffered, 3, 'the buffer filled up to overlapBufferLimit');
    assert.ok(skippedSlots >= 1, 'slots past the limit were skipped');
    const slots = ran.map((s) => s.slot);
    assert.deepEqual(
      slots,
      [...slots].sort((a, b) => a - b),
      'buffered slots ran in slot order',
    );
    assert.equal(ran.length, instances.length, 'every buffered slot ran to the end');
  });

  it('CANCEL_OTHER: stops the running instance when the next slot comes', () => {
    const { instances, skippedSlots } = observed.get('CANCEL_OTHER')!;
    const stopped = instances.filter((i) => i.status === 'STOPPED');
    assert.ok(stopped.length >= 4, `stopped ${stopped.length}: ${JSON.stringify(instances.map((i) => i.status))}`);
    for (const i of stopped) assert.match(i.statusReason ?? '', /CANCEL_OTHER/);
    assert.equal(skippedSlots, 0);
    // Every slot got its instance: one per second.
    const slots = instances.map((i) => i.expectedTriggerTime).sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]! - slots[i - 1]!, 1000);
  });

  it('SKIP: a job disabled while its slot waits for its time launches and counts nothing', async () => {
    const job = await client.createJob({
      name: 'overlap-SKIP-disabled',
      processor: 'demo.span',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
      jobParams: '2500',
    });
    await waitUntil(
      async () => (await instancesOf(job.id)).some((i) => i.status === 'RUNNING'),
      10_000,
      'the first instance to run',
    );
    // The next slot's trigger is taken 300-200 ms before it and, with an instance running, waits for the slot to
    // decide (SKIP). The job is disabled within that wait.
    let slot = Math.ceil(Date.now() / 1000) * 1000;
    if (slot - Date.now() < 400) slot += 1000;
    await sleep(slot - 150 - Date.now());
    const skippedBefore = (await client.getJob(job.id)).skippedSlots;
    await sleep(Math.max(0, slot - 100 - Date.now()));
    await client.disableJob(job.id);
    assert.ok(Date.now() < slot, 'the disable was answered before the slot');
    await sleep(1500);
    const after = await client.getJob(job.id);
    assert.equal(after.skippedSlots, skippedBefore, 'the slot of a disabled job is not counted as skipped');
    const late = (await instancesOf(job.id)).filter((i) => i.expectedTriggerTime >= slot);
    assert.deepEqual(late, [], 'no instance for a slot after the disable');
  });

  it('ALLOW_ALL: starts every slot beside the running ones', () => {
    const { instances, skippedSlots } = observed.get('ALLOW_ALL')!;
    const ran = spans(instances);
    assert.equal(skippedSlots, 0);
    assert.ok(ran.length >= 6, `ran ${ran.length}`);
    assert.ok(!oneAtATime(ran), 'instances overlapped');
  });
});

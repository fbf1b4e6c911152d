import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type Instance, type JobInput, type JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The server takes a slot's trigger this long before the slot (the instance is created ahead, see ARCHITECTURE.md). */
const TRIGGER_LEAD_MS = 300;

/** A timed STANDALONE job of demo.echo (CRON unless `over` says otherwise); its id. */
async function createTimedJob(client: JobnestClient, over: Partial<JobInput>): Promise<number> {
  const job = await client.createJob({
    name: `timed-${Math.random().toString(36).slice(2, 8)}`,
    processor: 'demo.echo',
    executeType: 'STANDALONE',
    timeExpressionType: 'CRON',
    ...over,
  });
  return job.id;
}

/** The job's instances, in slot order. */
async function instancesInSlotOrder(client: JobnestClient, jobId: number): Promise<Instance[]> {
  return (await client.listInstances({ jobId, size: 200 })).items.sort(
    (a, b) => a.expectedTriggerTime - b.expectedTriggerTime,
  );
}

/** Timed jobs fire by themselves: CRON, FIXED_RATE, FIXED_DELAY, DAILY_TIME_INTERVAL, lifecycle, skips. */
describe('timed jobs', () => {
  // The periodic rebuild of timers from MySQL is pushed out of the test's reach: what the API changes (update,
  // disable, enable, delete) must reach the timer by itself, not by the next rebuild.
  const cluster = new TestCluster({ JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '3600000' });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 't1' });
  });

  after(async () => {
    await cluster.close();
  });

  const timed = (over: Partial<JobInput>): Promise<number> => createTimedJob(client, over);

  const instancesOf = (jobId: number): Promise<Instance[]> => instancesInSlotOrder(client, jobId);

  /** Waits until the job has at least `n` instances (any status). */
  async function firedAtLeast(jobId: number, n: number, timeoutMs = n * 1000 + 15_000): Promise<void> {
    await waitUntil(async () => (await instancesOf(jobId)).length >= n, timeoutMs, `${n} instances of job ${jobId}`);
  }

  async function allFinished(jobId: number): Promise<Instance[]> {
    await waitUntil(
      async () => (await instancesOf(jobId)).every((i) => ['SUCCEEDED', 'FAILED'].includes(i.status)),
      15_000,
      'every instance to finish',
    );
    return instancesOf(jobId);
  }

  it('fires a per-second CRON once per slot from its creation, and nothing once disabled', async () => {
    const createdAt = Date.now();
    const jobId = await timed({ timeExpression: '* * * * * *' });
    await firedAtLeast(jobId, 10);
    await client.disableJob(jobId);
    const disabledAt = Date.now();
    const list = await allFinished(jobId);
    const slots = list.map((i) => i.expectedTriggerTime);
    assert.ok(slots[0]! > createdAt - 1000 && slots[0]! <= createdAt + 2000, 'the first slot is the next second');
    assert.ok(
      slots.every((s) => s <= disabledAt + TRIGGER_LEAD_MS),
      'no slot after the disable fired (the API reached the timer, not a rebuild)',
    );
    assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
    for (const s of slots) assert.equal(s % 1000, 0, 'slots are whole seconds');
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]! - slots[i - 1]!, 1000, 'no slot missed');
    assert.ok(list.every((i) => i.status === 'SUCCEEDED'));
    await sleep(2500); // two and a half slots: a live timer would have fired twice
    assert.equal((await instancesOf(jobId)).length, list.length, 'a disabled job fires no more');
  });

  it('re-arms the timer when a disabled job is enabled', async () => {
    const jobId = await timed({ timeExpression: '* * * * * *' });
    await firedAtLeast(jobId, 2);
    await client.disableJob(jobId);
    const count = (await allFinished(jobId)).length;
    await sleep(2500);
    assert.equal((await instancesOf(jobId)).length, count, 'disabled: nothing fires');
    const enabledAt = Date.now();
    await client.enableJob(jobId);
    await firedAtLeast(jobId, count + 2, 10_000);
    const fresh = (await instancesOf(jobId)).slice(count);
    assert.ok(
      fresh.every((i) => i.expectedTriggerTime >= enabledAt - 1000),
      'the slots of the disabled time are not replayed',
    );
    await client.deleteJob(jobId);
  });

  it('fires the slots a stalled server held back (within the misfire threshold), in order, once each', async () => {
    // ALLOW_ALL: the held-back slots fire together, beside each other (SKIP would skip those that overlap).
    const jobId = await timed({ timeExpression: '* * * * * *', overlapPolicy: 'ALLOW_ALL' });
    await firedAtLeast(jobId, 2);
    const server = cluster.servers[0]!.child;
    server.kill('SIGSTOP'); // a long GC pause or a frozen VM: no trigger is taken meanwhile
    try {
      await sleep(3500);
    } finally {
      server.kill('SIGCONT');
    }
    const stalledAt = Date.now();
    await waitUntil(
      async () => (await instancesOf(jobId)).some((i) => i.expectedTriggerTime >= stalledAt + 1000),
      15_000,
      'a slot after the stall',
    );
    await client.disableJob(jobId);
    const slots = (await allFinished(jobId)).map((i) => i.expectedTriggerTime);
    assert.ok(slots.length >= 7, `fired ${slots.length} times`);
    const gaps = slots
      .slice(1)
      .flatMap((s, i) =>
        s - slots[i]! === 1000 ? [] : [`${new Date(slots[i]!).toISOString()} -> ${new Date(s).toISOString()}`],
      );
    assert.deepEqual(gaps, [], 'every slot across the stall has its instance');
    assert.equal((await client.getJob(jobId)).misfiredSlots, 0);
  });

  it('keeps the FIXED_RATE spacing', async () => {
    const jobId = await timed({ timeExpressionType: 'FIXED_RATE', timeExpression: '500' });
    await firedAtLeast(jobId, 8);
    await client.deleteJob(jobId);
    const deletedAt = Date.now();
    const list = await allFinished(jobId);
    for (let i = 1; i < list.length; i++) {
      assert.equal(list[i]!.expectedTriggerTime - list[i - 1]!.expectedTriggerTime, 500);
    }
    assert.ok(
      list.every((i) => i.expectedTriggerTime <= deletedAt + TRIGGER_LEAD_MS),
      'no slot after the delete fired',
    );
    await sleep(1500); // three periods
    assert.equal((await instancesOf(jobId)).length, list.length, 'a deleted job fires no more');
  });

  it('keeps FIXED_DELAY between the end of one instance and the start of the next', async () => {
    const jobId = await timed({
      timeExpressionType: 'FIXED_DELAY',
      timeExpression: '500',
      processor: 'demo.sleep',
      jobParams: '300',
    });
    await waitUntil(
      async () => (await instancesOf(jobId)).filter((i) => i.status === 'SUCCEEDED').length >= 4,
      30_000,
      'four runs',
    );
    await client.disableJob(jobId);
    const list = (await allFinished(jobId)).filter((i) => i.status === 'SUCCEEDED');
    for (let i = 1; i < list.length; i++) {
      const gap = list[i]!.actualTriggerTime! - list[i - 1]!.finishedTime!;
      // At least the delay (less clock rounding between the worker's end time and the server's start time).
      assert.ok(gap >= 450 && gap < 5000, `gap between end and next start: ${gap} ms`);
      const startToStart = list[i]!.actualTriggerTime! - list[i - 1]!.actualTriggerTime!;
      assert.ok(startToStart >= 750, `starts ${startToStart} ms apart: the 300 ms run is not overlapped`);
    }
  });

  it('fires a DAILY_TIME_INTERVAL on its grid', async () => {
    const expression = JSON.stringify({
      interval: 2,
      unit: 'SECONDS',
      startTime: '00:00:00',
      endTime: '23:59:59',
      daysOfWeek: [1, 2, 3, 4, 5, 6, 7],
    });
    const jobId = await timed({
      timeExpressionType: 'DAILY_TIME_INTERVAL',
      timeExpression: expression,
      timeZone: 'UTC',
    });
    await firedAtLeast(jobId, 3);
    await client.disableJob(jobId);
    const list = await allFinished(jobId);
    for (const i of list) assert.equal(i.expectedTriggerTime % 2000, 0, 'on the 2-second grid from midnight UTC');
    for (let i = 1; i < list.length; i++) {
      assert.equal(list[i]!.expectedTriggerTime - list[i - 1]!.expectedTriggerTime, 2000, 'every grid point fired');
    }
  });

  it('skips (and counts) slots while the previous instance waits for a worker', async () => {
    const jobId = await timed({
      timeExpression: '* * * * * *',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['absent'],
    });
    await waitUntil(async () => (await client.getJob(jobId)).skippedSlots >= 2, 15_000, 'two skipped slots');
    await client.disableJob(jobId);
    const list = await instancesOf(jobId);
    assert.equal(list.length, 1, 'no stacking: the waiting instance is the only one');
    assert.equal(list[0]!.status, 'WAITING_DISPATCH');
  });

  it('applies an update to the timer at once', async () => {
    const jobId = await timed({ timeExpression: '0 0 0 1 1 *' });
    await sleep(1500);
    assert.equal((await instancesOf(jobId)).length, 0);
    await client.updateJob(jobId, {
      name: 'now-every-second',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
    });
    await waitUntil(async () => (await instancesOf(jobId)).length >= 2, 5000, 'the updated timer to fire');
    await client.deleteJob(jobId);
    const count = (await allFinished(jobId)).length;
    await sleep(2500);
    assert.equal((await instancesOf(jobId)).length, count, 'a deleted job fires no more');
  });

  it('previews the next fire times and rejects what never fires', async () => {
    const body = await client.validateTime('CRON', '0 30 9 * * 1#2', 'Europe/Paris');
    assert.equal(body.nextFireTimes.length, 5);
    for (const t of body.nextFireTimes) {
      const d = new Date(t);
      const paris = d.toLocaleString('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
      assert.match(paris, /^Mon,? 09:30$/);
      assert.ok(d.getUTCDate() >= 8 && d.getUTCDate() <= 14, 'second Monday of the month');
    }
    await assert.rejects(
      client.validateTime('CRON', '0 0 0 30 2 *'),
      (e: unknown) =>
        e instanceof JobnestApiError && e.status === 400 && /timeExpression: invalid CRON/.test(e.message),
    );
    await assert.rejects(
      client.createJob({
        name: 'x',
        processor: 'p',
        executeType: 'STANDALONE',
        timeExpressionType: 'FIXED_RATE',
        timeExpression: '5',
      }),
      (e: unknown) => e instanceof JobnestApiError && e.status === 400 && /milliseconds >= 100/.test(e.message),
    );
  });
});

/** Lifecycle end: the timer reconcile pass disables a job whose lifecycle is over, so it runs every second here. */
describe('timed jobs with a lifecycle', () => {
  const cluster = new TestCluster({ JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '1000' });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'l1' });
  });

  after(async () => {
    await cluster.close();
  });

  const timed = (over: Partial<JobInput>): Promise<number> => createTimedJob(client, over);

  const instancesOf = (jobId: number): Promise<Instance[]> => instancesInSlotOrder(client, jobId);

  it('fires nothing before lifecycle.start and disables the job after lifecycle.end', async () => {
    const start = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const end = start + 2500;
    const jobId = await timed({ timeExpression: '* * * * * *', lifecycle: { start, end } });
    await waitUntil(
      async () => !(await client.getJob(jobId)).enabled,
      15_000,
      'the job to be disabled after its lifecycle',
    );
    const list = await instancesOf(jobId);
    assert.ok(list.length >= 2 && list.length <= 3, `fired ${list.length} times`);
    for (const i of list)
      assert.ok(i.expectedTriggerTime >= start && i.expectedTriggerTime <= end, 'inside the lifecycle');
  });
});

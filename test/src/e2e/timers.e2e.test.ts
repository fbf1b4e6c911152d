import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type Instance, type JobInput, type JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Timed jobs fire by themselves: CRON, FIXED_RATE, FIXED_DELAY, DAILY_TIME_INTERVAL, lifecycle, skips. */
describe('timed jobs', () => {
  const cluster = new TestCluster({ JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '1000' });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 't1' });
  });

  after(async () => {
    await cluster.close();
  });

  async function timed(over: Partial<JobInput>): Promise<number> {
    const job = await client.createJob({
      name: `timed-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      ...over,
    });
    return job.id;
  }

  async function instancesOf(jobId: number): Promise<Instance[]> {
    return (await client.listInstances({ jobId, size: 200 })).items.sort(
      (a, b) => a.expectedTriggerTime - b.expectedTriggerTime,
    );
  }

  it('fires a per-second CRON 10 +/- 1 times in 10 s, one instance per slot', async () => {
    const jobId = await timed({ timeExpression: '* * * * * *' });
    await sleep(10_000);
    await client.disableJob(jobId);
    await sleep(1500);
    const list = await instancesOf(jobId);
    assert.ok(list.length >= 9 && list.length <= 11, `fired ${list.length} times`);
    const slots = list.map((i) => i.expectedTriggerTime);
    assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
    for (const s of slots) assert.equal(s % 1000, 0, 'slots are whole seconds');
    for (let i = 1; i < slots.length; i++) assert.equal(slots[i]! - slots[i - 1]!, 1000, 'no slot missed');
    await waitUntil(
      async () => (await instancesOf(jobId)).every((i) => i.status === 'SUCCEEDED'),
      10_000,
      'all SUCCEEDED',
    );
    const count = list.length;
    await sleep(2000);
    assert.equal((await instancesOf(jobId)).length, count, 'a disabled job fires no more');
  });

  it('fires the slots a stalled server held back (within the misfire threshold), in order, once each', async () => {
    const jobId = await timed({ timeExpression: '* * * * * *' });
    await sleep(2500);
    const server = cluster.servers[0]!.child;
    server.kill('SIGSTOP'); // a long GC pause or a frozen VM: no trigger is taken meanwhile
    await sleep(3500);
    server.kill('SIGCONT');
    await sleep(2500);
    await client.disableJob(jobId);
    await sleep(1500);
    const slots = (await instancesOf(jobId)).map((i) => i.expectedTriggerTime);
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
    await sleep(4200);
    await client.deleteJob(jobId);
    const list = await (async () => {
      await sleep(1000);
      return (await client.listInstances({ jobId, size: 200 })).items.sort(
        (a, b) => a.expectedTriggerTime - b.expectedTriggerTime,
      );
    })();
    assert.ok(list.length >= 7 && list.length <= 10, `fired ${list.length} times`);
    for (let i = 1; i < list.length; i++) {
      assert.equal(list[i]!.expectedTriggerTime - list[i - 1]!.expectedTriggerTime, 500);
    }
  });

  it('keeps FIXED_DELAY between the end of one instance and the start of the next', async () => {
    const jobId = await timed({
      timeExpressionType: 'FIXED_DELAY',
      timeExpression: '500',
      processor: 'demo.sleep',
      jobParams: '300',
    });
    await sleep(5000);
    await client.disableJob(jobId);
    await sleep(1500);
    const list = (await instancesOf(jobId)).filter((i) => i.status === 'SUCCEEDED');
    assert.ok(list.length >= 3 && list.length <= 6, `ran ${list.length} times`);
    for (let i = 1; i < list.length; i++) {
      const gap = list[i]!.actualTriggerTime! - list[i - 1]!.finishedTime!;
      assert.ok(gap >= 450 && gap < 1500, `gap between end and next start: ${gap} ms`);
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
    await sleep(5200);
    await client.disableJob(jobId);
    await sleep(1000);
    const list = await instancesOf(jobId);
    assert.ok(list.length >= 2 && list.length <= 4, `fired ${list.length} times`);
    for (const i of list) assert.equal(i.expectedTriggerTime % 2000, 0, 'on the 2-second grid from midnight UTC');
  });

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

  it('skips (and counts) slots while the previous instance waits for a worker', async () => {
    const jobId = await timed({
      timeExpression: '* * * * * *',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['absent'],
    });
    await sleep(2600);
    await client.disableJob(jobId);
    const list = await instancesOf(jobId);
    assert.equal(list.length, 1, 'no stacking');
    const job = await client.getJob(jobId);
    assert.ok(job.skippedSlots >= 1, JSON.stringify(job));
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

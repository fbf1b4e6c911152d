import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type JobnestClient } from '@jobnest/client';
import { TestCluster } from '../support/cluster';
import { pollUntil } from '../support/wait-until';

const DAY_MS = 24 * 3600 * 1000;

/**
 * README "Timers": CRON `L` and `#` work, `W` does not, and a CRON runs in UTC unless the job names a time zone. The
 * server runs with TZ=America/New_York, so a server that fell back to its local zone would show it.
 */
describe('CRON expressions', () => {
  const cluster = new TestCluster({ TZ: 'America/New_York' });
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
  });

  after(async () => {
    await cluster.close();
  });

  const badRequest = (pattern: RegExp) => (e: unknown) =>
    e instanceof JobnestApiError && e.status === 400 && pattern.test(e.message);

  it('fires `L` (day of month) on the last day of each month', async () => {
    const { nextFireTimes } = await client.validateTime('CRON', '0 0 12 L * *');
    assert.equal(nextFireTimes.length, 5);
    for (const t of nextFireTimes) {
      const d = new Date(t);
      assert.equal(d.toISOString().slice(11), '12:00:00.000Z', d.toISOString());
      assert.equal(new Date(t + DAY_MS).getUTCDate(), 1, `${d.toISOString()} is the last day of its month`);
    }
    const months = nextFireTimes.map((t) => new Date(t).toISOString().slice(0, 7));
    assert.equal(new Set(months).size, 5, `one per month: ${months.join(', ')}`);
  });

  it('fires `5L` (day of week) on the last Friday of each month', async () => {
    const { nextFireTimes } = await client.validateTime('CRON', '0 30 8 * * 5L');
    assert.equal(nextFireTimes.length, 5);
    for (const t of nextFireTimes) {
      const d = new Date(t);
      assert.equal(d.getUTCDay(), 5, `${d.toISOString()} is a Friday`);
      assert.equal(d.toISOString().slice(11), '08:30:00.000Z');
      assert.notEqual(
        new Date(t + 7 * DAY_MS).getUTCMonth(),
        d.getUTCMonth(),
        `${d.toISOString()} is the last Friday of its month`,
      );
    }
  });

  it('fires `#` on the nth weekday of each month, in UTC when no time zone is given', async () => {
    const { nextFireTimes } = await client.validateTime('CRON', '0 15 10 * * 2#3');
    assert.equal(nextFireTimes.length, 5);
    for (const t of nextFireTimes) {
      const d = new Date(t);
      assert.equal(d.getUTCDay(), 2, `${d.toISOString()} is a Tuesday`);
      assert.ok(d.getUTCDate() >= 15 && d.getUTCDate() <= 21, `${d.toISOString()} is the third Tuesday`);
      assert.equal(d.toISOString().slice(11), '10:15:00.000Z');
    }
  });

  it('accepts jobs with `L` and `#`, stored as given', async () => {
    for (const expression of ['0 0 12 L * *', '0 15 10 * * 2#3', '0 0 * * 5L']) {
      const created = await client.createJob({
        name: `cron-${expression.replace(/\W+/g, '-')}`,
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: expression,
      });
      assert.equal(created.timeExpression, expression);
      await client.deleteJob(created.id);
    }
  });

  it('refuses `W` with 400 naming timeExpression, in the preview and on a job', async () => {
    const before = (await client.listJobs({ size: 200 })).total;
    for (const expression of ['0 0 12 15W * *', '0 0 12 LW * *']) {
      await assert.rejects(client.validateTime('CRON', expression), badRequest(/timeExpression/), expression);
      await assert.rejects(
        client.createJob({
          name: 'weekday-nearest',
          processor: 'demo.echo',
          executeType: 'STANDALONE',
          timeExpressionType: 'CRON',
          timeExpression: expression,
        }),
        badRequest(/timeExpression/),
        expression,
      );
    }
    assert.equal((await client.listJobs({ size: 200 })).total, before, 'no job stored');
  });

  it('reads a CRON in UTC by default: preview, stored zone, and the slots it fires', async () => {
    const { nextFireTimes } = await client.validateTime('CRON', '0 30 9 * * *');
    assert.equal(nextFireTimes.length, 5);
    for (const t of nextFireTimes) assert.equal(new Date(t).toISOString().slice(11), '09:30:00.000Z');

    // Every second of this UTC hour and the next: in New York (the server's local zone) none of them comes today.
    const hour = new Date().getUTCHours();
    const hours = `${hour},${(hour + 1) % 24}`;
    const job = await client.createJob({
      name: 'utc-default',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: `* * ${hours} * * *`,
    });
    try {
      assert.equal(job.timeZone, 'UTC');
      const fired = await pollUntil(
        async () => (await client.listInstances({ jobId: job.id, size: 10 })).items,
        (items) => items.length >= 1,
        20_000,
        `the CRON '* * ${hours} * * *' to fire`,
      );
      for (const i of fired) {
        const slotHour = new Date(i.expectedTriggerTime).getUTCHours();
        assert.ok([hour, (hour + 1) % 24].includes(slotHour), `slot ${new Date(i.expectedTriggerTime).toISOString()}`);
      }
    } finally {
      await client.disableJob(job.id);
    }
  });
});

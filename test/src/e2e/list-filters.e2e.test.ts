import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

/**
 * What the console's lists ask of the API, on a real server and two workers: job search and filters applied before
 * paging, instances by time, the per-status chart of the overview, and a distributed instance's subtasks per worker.
 */
describe('list filters, instance stats and subtasks per worker', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'lf-w1' });
    await cluster.startWorker({ workerId: 'lf-w2' });
  });

  after(async () => {
    await cluster.close();
  });

  it('searches and filters jobs on the server, before paging', async () => {
    const make = (name: string, over: { enabled?: boolean; cron?: boolean } = {}) =>
      client.createJob({
        name,
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: over.cron ? 'CRON' : 'API',
        timeExpression: over.cron ? '0 0 3 * * *' : undefined,
        enabled: over.enabled ?? true,
      });
    await make('Billing-Nightly', { cron: true });
    await make('billing_refunds');
    await make('billingXrefunds', { enabled: false });
    await make('reports-weekly', { cron: true, enabled: false });
    for (let i = 0; i < 25; i++) await make(`filler-${i}`);

    const names = async (filter: Parameters<JobnestClient['listJobs']>[0]) =>
      (await client.listJobs({ size: 200, ...filter })).items.map((j) => j.name).sort();
    assert.deepEqual(await names({ search: 'BILLING' }), ['Billing-Nightly', 'billingXrefunds', 'billing_refunds']);
    // `_` is a LIKE wildcard; searched for, it is only itself.
    assert.deepEqual(await names({ search: 'g_r' }), ['billing_refunds']);
    assert.deepEqual(await names({ search: 'billing', enabled: false }), ['billingXrefunds']);
    assert.deepEqual(await names({ timeExpressionType: 'CRON' }), ['Billing-Nightly', 'reports-weekly']);
    assert.deepEqual(await names({ missedSlots: true }), []);
    // Filters apply before paging: page 2 of the fillers holds the 5 past the first 20.
    const second = await client.listJobs({ search: 'filler-', page: 2, size: 20 });
    assert.equal(second.total, 25);
    assert.equal(second.items.length, 5);
    await assert.rejects(
      client.listJobs({ enabled: 'yes' as unknown as boolean }),
      (e: unknown) =>
        e instanceof JobnestApiError && e.status === 400 && /enabled must be true or false/.test(e.message),
    );
  });

  it('lists instances due in a time window and counts them per status in bars', async () => {
    const job = await client.createJob({
      name: 'windowed',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const before = Date.now();
    const first = await client.runJob(job.id);
    await client.waitForInstance(first.instanceId);
    const middle = Date.now() + 1;
    while (Date.now() <= middle) await new Promise((r) => setTimeout(r, 5));
    const second = await client.runJob(job.id, { instanceParams: 'fail' });
    await client.waitForInstance(second.instanceId);

    const ids = async (since?: number, until?: number) =>
      (await client.listInstances({ jobId: job.id, since, until })).items.map((i) => i.id);
    assert.deepEqual(await ids(before), [second.instanceId, first.instanceId]);
    assert.deepEqual(await ids(middle), [second.instanceId]);
    assert.deepEqual(await ids(before, middle), [first.instanceId]);
    assert.deepEqual(await ids(Date.now() + 60_000), []);
    const listed = await client.listInstances({ jobId: job.id });
    assert.deepEqual(
      listed.items.map((i) => i.jobName),
      ['windowed', 'windowed'],
      'a list names its jobs',
    );
    assert.equal((await client.getInstance(first.instanceId)).jobName, 'windowed');

    const bucketMs = 60_000;
    const sinceMs = Math.floor((Date.now() - 3600_000) / bucketMs) * bucketMs;
    const stats = await client.instanceStats(sinceMs, bucketMs);
    const all = await client.listInstances({ since: sinceMs, size: 200 });
    const expected: Record<string, number> = {};
    for (const i of all.items) expected[i.status] = (expected[i.status] ?? 0) + 1;
    const summed: Record<string, number> = {};
    for (const bucket of stats.buckets) {
      assert.equal((bucket.start - sinceMs) % bucketMs, 0, 'bars start on the grid of sinceMs');
      for (const [status, n] of Object.entries(bucket.counts)) summed[status] = (summed[status] ?? 0) + (n ?? 0);
    }
    assert.deepEqual(summed, expected);
    await assert.rejects(
      client.instanceStats(Date.now() - 8 * 24 * 3600_000, bucketMs),
      (e: unknown) => e instanceof JobnestApiError && e.status === 400 && /sinceMs/.test(e.message),
    );
    await assert.rejects(
      client.instanceStats(sinceMs, 1000),
      (e: unknown) => e instanceof JobnestApiError && e.status === 400 && /bucketMs/.test(e.message),
    );
  });

  it('reads a log backwards from its newest line, and refuses after with before', async () => {
    const job = await client.createJob({
      name: 'long-log',
      processor: 'demo.logs',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, { instanceParams: '1200' });
    await client.waitForInstance(instanceId);
    await waitUntil(
      async () => (await client.getInstanceLogs(instanceId, { after: 0, limit: 5000 })).items.length === 1200,
      20_000,
      'all 1200 lines stored',
    );
    const newest = await client.getInstanceLogs(instanceId, { before: Number.MAX_SAFE_INTEGER, limit: 500 });
    assert.deepEqual(
      [newest.items[0]!.message, newest.items.at(-1)!.message],
      ['line 701', 'line 1200'],
      'the newest 500 lines, oldest first',
    );
    const older = await client.getInstanceLogs(instanceId, { before: newest.items[0]!.id, limit: 500 });
    assert.deepEqual([older.items[0]!.message, older.items.at(-1)!.message], ['line 201', 'line 700']);
    const oldest = await client.getInstanceLogs(instanceId, { before: older.items[0]!.id, limit: 500 });
    assert.equal(oldest.items.length, 200);
    assert.equal(oldest.items[0]!.message, 'line 1');
    await assert.rejects(
      client.getInstanceLogs(instanceId, { after: 1, before: 10 }),
      (e: unknown) => e instanceof JobnestApiError && e.status === 400 && /not both/.test(e.message),
    );
  });

  it("counts a MapReduce instance's subtasks per worker, adding up to its total", async () => {
    const job = await client.createJob({
      name: 'split-sum',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      jobParams: JSON.stringify({ n: 40_000, chunk: 100 }),
    });
    const { instanceId } = await client.runJob(job.id);
    const done = await client.waitForInstance(instanceId, { timeoutMs: 60_000 });
    assert.equal(done.status, 'SUCCEEDED');
    let shares = await client.listTaskCountsByWorker(instanceId);
    await waitUntil(
      async () => {
        shares = await client.listTaskCountsByWorker(instanceId);
        return shares.every((s) => s.workerId !== null && s.waiting === 0 && s.running === 0);
      },
      10_000,
      'every subtask ran on a named worker',
    );
    const total = (await client.getInstance(instanceId)).tasks!.total;
    assert.equal(
      shares.reduce((sum, s) => sum + s.total, 0),
      total,
    );
    assert.equal(
      shares.reduce((sum, s) => sum + s.succeeded, 0),
      total,
    );
    for (const s of shares) assert.ok(['lf-w1', 'lf-w2'].includes(s.workerId!), `a worker of this test: ${s.workerId}`);
    assert.deepEqual(
      shares.map((s) => s.workerId),
      [...shares.map((s) => s.workerId)].sort(),
      'by worker id',
    );
  });
});

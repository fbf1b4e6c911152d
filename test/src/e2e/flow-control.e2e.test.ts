import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Instance, JobInput, JobnestClient } from '@jobnest/client';
import { runCliProcess } from '../support/cli-process';
import { TestCluster, waitUntil } from '../support/cluster';

/** When a demo.span processor ran, on its worker's clock. */
interface Span {
  id: number;
  key: string;
  start: number;
  end: number;
}

/**
 * Issue 17: concurrency keys, rate limits and priorities, on two servers and two workers. What ran when is measured
 * from the processors' own records (demo.span answers its start and end).
 */
describe('flow control across two servers', () => {
  // No reconciler pass within the test: every release must come from an end, a wake-up, a launch or an update.
  const cluster = new TestCluster({ JOBNEST_RECONCILE_INTERVAL_MS: '3600000' });
  let clients: JobnestClient[];
  let db: Connection;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    clients = [cluster.client, await cluster.clientOf(1)];
    await cluster.startWorker({ workerId: 'w1' });
    await cluster.startWorker({ workerId: 'w2' });
    db = await createConnection(cluster.ns.mysqlUrl);
  });

  after(async () => {
    await db?.end();
    await cluster.close();
  });

  async function job(over: Partial<JobInput>): Promise<number> {
    const created = await cluster.client.createJob({
      name: `flow-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.span',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  async function instancesOf(jobId: number): Promise<Instance[]> {
    return (await cluster.client.listInstances({ jobId, size: 200 })).items;
  }

  /** Waits until `count` instances of the job succeeded and answers their spans, by start. */
  async function spansOf(jobId: number, count: number, timeoutMs: number): Promise<Span[]> {
    let instances: Instance[] = [];
    await waitUntil(
      async () => {
        instances = await instancesOf(jobId);
        return instances.filter((i) => i.status === 'SUCCEEDED').length >= count;
      },
      timeoutMs,
      `${count} SUCCEEDED instances of job ${jobId}`,
    ).catch((err: unknown) => {
      const left = instances.filter((i) => i.status !== 'SUCCEEDED').slice(0, 5);
      throw new Error(`${String(err)}; e.g. ${JSON.stringify(left)}\n${cluster.dump()}`, { cause: err });
    });
    return instances
      .filter((i) => i.status === 'SUCCEEDED')
      .map((i) => ({
        id: i.id,
        key: i.concurrencyKey ?? '',
        ...(JSON.parse(i.result!) as { start: number; end: number }),
      }))
      .sort((a, b) => a.start - b.start);
  }

  /** The most of the sorted times `times` within any window of `windowMs`. */
  function maxInWindow(times: readonly number[], windowMs: number): number {
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= windowMs) j++;
      most = Math.max(most, i - j + 1);
    }
    return most;
  }

  /** The most spans running at one moment, among `spans`. */
  function peakOverlap(spans: readonly Span[]): number {
    const edges = spans.flatMap((s) => [
      { at: s.start, d: 1 },
      { at: s.end, d: -1 },
    ]);
    // At equal times an end comes first: a start right when another ended is not an overlap.
    edges.sort((a, b) => a.at - b.at || a.d - b.d);
    let running = 0;
    let peak = 0;
    for (const e of edges) peak = Math.max(peak, (running += e.d));
    return peak;
  }

  it('never runs more than the limit per concurrency key, and every key makes progress', async () => {
    const jobId = await job({ concurrencyKeyPath: 'customer.id', concurrencyLimit: 2, jobParams: '600' });
    const keys = ['a', 'b', 'c', 'd'];
    // 20 runs over 4 keys, sent to both servers at once.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        clients[i % 2]!.runJob(jobId, { instanceParams: JSON.stringify({ customer: { id: keys[i % 4] } }) }),
      ),
    );
    const waiting = (await instancesOf(jobId)).filter((i) => i.status === 'WAITING_DISPATCH');
    assert.ok(waiting.length > 0, 'some instances wait');
    for (const w of waiting) {
      assert.equal(w.heldBy, 'CONCURRENCY', JSON.stringify(w));
      assert.match(w.statusReason ?? '', /concurrency key '[abcd]'|waiting behind/);
    }
    const spans = await spansOf(jobId, 20, 60_000);
    for (const key of keys) {
      const ofKey = spans.filter((s) => s.key === key);
      assert.equal(ofKey.length, 5, `5 instances of key ${key}`);
      assert.ok(peakOverlap(ofKey) <= 2, `key ${key} ran ${peakOverlap(ofKey)} at once: ${JSON.stringify(ofKey)}`);
    }
    // Keys are not served one after another: each key's first start comes before any key's third.
    const firstStarts = keys.map((k) => spans.find((s) => s.key === k)!.start);
    const thirdStarts = keys.map((k) => spans.filter((s) => s.key === k)[2]!.start);
    assert.ok(Math.max(...firstStarts) < Math.min(...thirdStarts), 'every key started before any key ran its third');
    assert.ok(peakOverlap(spans) > 2, 'keys ran beside each other');
  });

  it('takes an explicit concurrencyKey of the run over the key path', async () => {
    const jobId = await job({ concurrencyKeyPath: 'tenant', concurrencyLimit: 1, jobParams: '400' });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        clients[i % 2]!.runJob(jobId, { instanceParams: JSON.stringify({ tenant: `t${i}` }), concurrencyKey: 'same' }),
      ),
    );
    const spans = await spansOf(jobId, 4, 30_000);
    assert.ok(spans.every((s) => s.key === 'same'));
    assert.equal(peakOverlap(spans), 1, JSON.stringify(spans));
  });

  it('spreads starts under a rate limit: no window of the period holds more than the limit', async () => {
    const jobId = await job({ rateLimit: 10, ratePeriodMs: 1000, jobParams: '0' });
    const bulk = await clients[0]!.runJobBulk(
      jobId,
      Array.from({ length: 50 }, () => ({})),
    );
    await Promise.all(Array.from({ length: 50 }, () => clients[1]!.runJob(jobId)));
    assert.equal(bulk.instanceIds.length, 50);
    const held = (await instancesOf(jobId)).filter((i) => i.heldBy === 'RATE_LIMIT');
    assert.ok(held.length > 0, 'some instances wait for the rate limit');
    assert.match(held[0]!.statusReason ?? '', /10 starts per 1000 ms/);
    const spans = await spansOf(jobId, 100, 60_000);
    // Exact where the limit is counted: when a server let an instance through (admitted_time, MySQL).
    const [rows] = await db.query('SELECT admitted_time AS t FROM instance_info WHERE job_id = ? ORDER BY t', [jobId]);
    const admitted = (rows as { t: number | string }[]).map((r) => Number(r.t));
    assert.equal(admitted.length, 100);
    assert.ok(
      maxInWindow(admitted, 1000) <= 10,
      `admissions: ${JSON.stringify(admitted.map((t) => t - admitted[0]!))}`,
    );
    // At the processors a start follows its admission by the dispatch time (a COMMIT, a Redis round trip, the
    // worker's turn), which varies from one release to the next, by up to 160 ms seen on a loaded CI run: a window
    // 20% shorter than the period leaves that jitter out (20 starts would land in it without the limit).
    const starts = spans.map((s) => s.start);
    assert.ok(maxInWindow(starts, 800) <= 10, `starts: ${JSON.stringify(starts.map((t) => t - starts[0]!))}`);
    assert.ok(
      starts[99]! - starts[0]! >= 8_900,
      `100 starts at 10/s take about 9 s: took ${starts[99]! - starts[0]!} ms`,
    );
  });

  it("counts a job's workflow nodes under its concurrency key, beside its API runs", async () => {
    const jobId = await job({ concurrencyKeyPath: 'customer', concurrencyLimit: 1, jobParams: '500' });
    const workflow = await cluster.client.createWorkflow({
      name: `flow-wf-${Math.random().toString(36).slice(2, 8)}`,
      dag: { nodes: [{ id: 'call', type: 'JOB', jobId }], edges: [] },
      timeExpressionType: 'API',
    });
    const params = (customer: string): string => JSON.stringify({ customer });
    // Key 'a': 3 workflow instances (one node each) and 2 API runs, over both servers; key 'b': one workflow.
    const runWorkflow = async (client: JobnestClient, customer: string): Promise<number> =>
      (await client.runWorkflow(workflow.id, { initParams: params(customer) })).workflowInstanceId;
    const [apiRuns, workflowRuns] = await Promise.all([
      Promise.all(
        [0, 1].map(async (i) => (await clients[i]!.runJob(jobId, { instanceParams: params('a') })).instanceId),
      ),
      Promise.all([
        runWorkflow(clients[0]!, 'a'),
        runWorkflow(clients[1]!, 'a'),
        runWorkflow(clients[0]!, 'a'),
        runWorkflow(clients[1]!, 'b'),
      ]),
    ]);
    // While key 'a' runs one at a time, a workflow node instance of it waits, held and saying why.
    await waitUntil(
      async () =>
        (await instancesOf(jobId)).some(
          (i) =>
            !apiRuns.includes(i.id) &&
            i.status === 'WAITING_DISPATCH' &&
            i.heldBy === 'CONCURRENCY' &&
            i.concurrencyKey === 'a' &&
            /under concurrency key 'a' \(concurrency limit 1\)/.test(i.statusReason ?? ''),
        ),
      10_000,
      'a held workflow node instance',
    );
    const spans = await spansOf(jobId, 6, 60_000);
    const ofA = spans.filter((s) => s.key === 'a');
    assert.equal(ofA.length, 5, JSON.stringify(spans));
    assert.equal(peakOverlap(ofA), 1, `key 'a' ran ${peakOverlap(ofA)} at once: ${JSON.stringify(ofA)}`);
    const b = spans.find((s) => s.key === 'b')!;
    assert.ok(b.start < ofA[2]!.start, "key 'b' did not wait for key 'a'");
    for (const id of workflowRuns) {
      const done = await cluster.client.waitForWorkflowInstance(id, { timeoutMs: 30_000 });
      assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    }
  });

  it('lets held instances start as soon as an update raises the limit', async () => {
    const input: JobInput = {
      name: `flow-raise-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.span',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      concurrencyLimit: 1,
      jobParams: '4000',
    };
    const jobId = (await cluster.client.createJob(input)).id;
    await Promise.all([0, 1, 2].map((i) => clients[i % 2]!.runJob(jobId)));
    await waitUntil(
      async () => (await instancesOf(jobId)).filter((i) => i.heldBy === 'CONCURRENCY').length === 2,
      10_000,
      'two held instances',
    );
    const raisedAt = Date.now();
    await clients[1]!.updateJob(jobId, { ...input, concurrencyLimit: 3 });
    const spans = await spansOf(jobId, 3, 30_000);
    // The first one runs 4 s: the two others started beside it, long before it ended.
    assert.equal(peakOverlap(spans), 3, JSON.stringify(spans));
    assert.ok(spans[2]!.start < spans[0]!.end - 1000, JSON.stringify({ raisedAt, spans }));
  });

  it('wakes a rate-limited key whose window a release filled, with no end to wait for', async () => {
    // Runs of 8 s: no instance ends before all 15 should have started (5 per second).
    const jobId = await job({ rateLimit: 5, ratePeriodMs: 1000, jobParams: '8000' });
    await clients[0]!.runJobBulk(
      jobId,
      Array.from({ length: 15 }, () => ({})),
    );
    let starts: number[] = [];
    await waitUntil(
      async () => {
        starts = (await instancesOf(jobId))
          .filter((i) => i.actualTriggerTime !== null)
          .map((i) => i.actualTriggerTime!);
        return starts.length === 15;
      },
      6_000,
      '15 instances dispatched within 6 s (3 windows of 5)',
    );
    starts.sort((a, b) => a - b);
    assert.ok(maxInWindow(starts, 1000) <= 5, JSON.stringify(starts));
    await spansOf(jobId, 15, 30_000);
  });

  it('starts the higher priority first among instances waiting for the same capacity', async () => {
    const jobId = await job({ concurrencyLimit: 1, jobParams: '1500' });
    const busy = await clients[0]!.runJob(jobId);
    await waitUntil(
      async () => (await cluster.client.getInstance(busy.instanceId)).status === 'RUNNING',
      10_000,
      'the first instance to run',
    );
    const low: number[] = [];
    for (let i = 0; i < 10; i++) low.push((await clients[i % 2]!.runJob(jobId, { priority: 1 })).instanceId);
    const high = (await clients[1]!.runJob(jobId, { priority: 5 })).instanceId;
    assert.equal((await cluster.client.getInstance(high)).priority, 5);
    await waitUntil(
      async () => (await cluster.client.getInstance(high)).status === 'SUCCEEDED',
      20_000,
      'the high-priority instance to succeed',
    );
    const spans = await spansOf(jobId, 3, 30_000);
    assert.equal(spans[0]!.id, busy.instanceId);
    assert.equal(spans[1]!.id, high, `the high-priority run started next: ${JSON.stringify(spans)}`);
    assert.equal(spans[2]!.id, low[0], 'then the low ones, oldest first');
    await cluster.client.updateJob(jobId, {
      name: 'drained',
      processor: 'demo.span',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      concurrencyLimit: 1,
      jobParams: '0',
    });
    await spansOf(jobId, 12, 60_000);
  });

  it("takes a run's concurrency key and priority from the CLI, and shows them on the instance", async () => {
    const jobId = await job({ concurrencyLimit: 1, jobParams: '0' });
    const env = {
      JOBNEST_URL: cluster.serverUrls[1]!,
      JOBNEST_APP: cluster.appName,
      JOBNEST_PASSWORD: cluster.appPassword,
    };
    const run = await runCliProcess(
      ['run', String(jobId), '--concurrency-key', 'tenant-9', '--priority=-3', '--wait'],
      env,
      30_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const instance = await cluster.client.getInstance(Number(run.stdout.split('\n')[0]));
    assert.equal(instance.concurrencyKey, 'tenant-9');
    assert.equal(instance.priority, -3);
    assert.equal(instance.heldBy, null);
    const bad = await runCliProcess(['run', String(jobId), '--priority', 'high'], env, 30_000);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--priority must be a whole number/);
  });

  it('rejects bad flow settings with a 400 naming the field', async () => {
    const bad: [Partial<JobInput>, RegExp][] = [
      [{ concurrencyLimit: -1 }, /concurrencyLimit must not be less than 0/],
      [{ rateLimit: -5 }, /rateLimit must not be less than 0/],
      [{ ratePeriodMs: 10 }, /ratePeriodMs must not be less than 100/],
      [{ concurrencyKeyPath: 42 as unknown as string }, /concurrencyKeyPath must be a string/],
      [{ concurrencyKeyPath: 'a..b' }, /concurrencyKeyPath must be field names/],
      [
        { overlapPolicy: 'SOMETIMES' as unknown as 'SKIP' },
        /overlapPolicy must be one of SKIP, BUFFER_ONE, BUFFER_ALL/,
      ],
      [{ overlapBufferLimit: 0 }, /overlapBufferLimit must not be less than 1/],
      [{ priority: 1.5 }, /priority must be an integer/],
    ];
    for (const [over, message] of bad) {
      const err = await job(over).catch((e: unknown) => e);
      assert.ok(
        err instanceof Error && 'status' in err && err.status === 400,
        `${JSON.stringify(over)}: ${String(err)}`,
      );
      assert.match(err.message, message);
    }
    const jobId = await job({ concurrencyLimit: 1 });
    for (const [body, message] of [
      [{ priority: 2_000_000 }, /priority must not be greater than 1000000/],
      [{ concurrencyKey: '' }, /concurrencyKey must be longer than or equal to 1 characters/],
      [{ concurrencyKey: 7 }, /concurrencyKey must be a string/],
    ] as [Record<string, unknown>, RegExp][]) {
      const res = await fetch(`${cluster.serverUrls[0]}/api/v1/jobs/${jobId}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clients[0]!.accessToken}` },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(await res.text(), message);
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type Instance, type JobInput, type JobnestClient } from '@jobnest/client';
import { runCliProcess } from '../support/cli-process';
import { TestCluster, waitUntil } from '../support/cluster';

/**
 * Issue 12: many runs at once, through the bulk endpoint and through concurrent single requests the server
 * writes together. One server, two workers.
 */
describe('bulk and concurrent runs', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  const dir = mkdtempSync(join(tmpdir(), 'jobnest-bulk-'));

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1' });
    await cluster.startWorker({ workerId: 'w2' });
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cluster.close();
  });

  async function job(over: Partial<JobInput> = {}): Promise<number> {
    const created = await client.createJob({
      name: `bulk-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  async function instancesOf(jobId: number): Promise<Instance[]> {
    const all: Instance[] = [];
    for (let page = 1; ; page++) {
      const { items } = await client.listInstances({ jobId, page, size: 200 });
      all.push(...items);
      if (items.length < 200) return all;
    }
  }

  /** Waits until `count` instances of the job succeeded, and returns them all. */
  async function allSucceeded(jobId: number, count: number): Promise<Instance[]> {
    let instances: Instance[] = [];
    await waitUntil(
      async () => {
        instances = await instancesOf(jobId);
        return instances.filter((i) => i.status === 'SUCCEEDED').length >= count;
      },
      60_000,
      `${count} SUCCEEDED instances of job ${jobId}`,
    ).catch((err: unknown) => {
      const notDone = instances.filter((i) => i.status !== 'SUCCEEDED').slice(0, 5);
      throw new Error(`${String(err)}; e.g. ${JSON.stringify(notDone)}\n${cluster.dump()}`, { cause: err });
    });
    return instances;
  }

  async function apiError(call: Promise<unknown>): Promise<JobnestApiError> {
    try {
      await call;
    } catch (err) {
      assert.ok(err instanceof JobnestApiError, `expected an API error, got ${String(err)}`);
      return err;
    }
    assert.fail('the request succeeded');
  }

  it('creates up to 1,000 runs in one request, answers their ids in order, and spreads them over the workers', async () => {
    const jobId = await job();
    const runs = Array.from({ length: 1000 }, (_, i) => ({ instanceParams: `p${i}` }));
    const { instanceIds } = await client.runJobBulk(jobId, runs);
    assert.equal(instanceIds.length, 1000);
    assert.equal(new Set(instanceIds).size, 1000, 'ids are distinct');
    const instances = await allSucceeded(jobId, 1000);
    const byId = new Map(instances.map((i) => [i.id, i]));
    instanceIds.forEach((id, i) => {
      const instance = byId.get(id);
      assert.equal(instance?.instanceParams, `p${i}`, `id ${i} of the answer is the run asked for ${i}th`);
      assert.equal(instance?.result, `p${i}`);
      assert.equal(instance?.runningTimes, 1, 'dispatched once');
    });
    const perWorker = new Map<string, number>();
    for (const i of instances) perWorker.set(i.workerId ?? '-', (perWorker.get(i.workerId ?? '-') ?? 0) + 1);
    assert.deepEqual(
      [...perWorker.keys()].sort(),
      ['w1', 'w2'],
      `both workers ran some: ${JSON.stringify([...perWorker])}`,
    );
  });

  it('refuses a bulk request it cannot take whole, naming the field, and creates nothing', async () => {
    const jobId = await job();
    let err = await apiError(
      client.runJobBulk(
        jobId,
        Array.from({ length: 1001 }, () => ({})),
      ),
    );
    assert.equal(err.status, 400);
    assert.match(err.message, /runs must contain no more than 1000 elements/);
    err = await apiError(client.runJobBulk(jobId, []));
    assert.equal(err.status, 400);
    assert.match(err.message, /runs must contain at least 1 elements/);
    err = await apiError(client.runJobBulk(jobId, [{}, { delayMs: -1 }]));
    assert.equal(err.status, 400);
    assert.match(err.message, /runs\.1\.delayMs must not be less than 0/);
    err = await apiError(client.runJobBulk(987_654, [{}]));
    assert.equal(err.status, 404);
    assert.equal((await instancesOf(jobId)).length, 0);
  });

  it('keeps maxInstances across a bulk request (all or nothing) and across concurrent single runs', async () => {
    const jobId = await job({ processor: 'demo.sleep', maxInstances: 5 });
    const err = await apiError(
      client.runJobBulk(
        jobId,
        Array.from({ length: 6 }, () => ({ instanceParams: '3000' })),
      ),
    );
    assert.equal(err.status, 409);
    assert.match(err.message, /maxInstances=5.*6 runs asked for/);
    assert.equal((await instancesOf(jobId)).length, 0, 'a refused bulk request creates none of its runs');

    // 20 at once, written by the server in shared batches: exactly 5 pass the limit.
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.runJob(jobId, { instanceParams: '3000' })),
    );
    const created = answers.filter((a) => a.status === 'fulfilled');
    const refused = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason as unknown] : []));
    assert.equal(created.length, 5, `5 created, got ${created.length}`);
    assert.ok(refused.every((r) => r instanceof JobnestApiError && r.status === 409));
    assert.equal((await instancesOf(jobId)).length, 5);
  });

  it('gives concurrent single runs distinct ids, each instance its own params', async () => {
    const jobId = await job();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.runJob(jobId, { instanceParams: `c${i}` })),
    );
    const instances = await allSucceeded(jobId, 200);
    const byId = new Map(instances.map((i) => [i.id, i]));
    answers.forEach(({ instanceId }, i) => assert.equal(byId.get(instanceId)?.result, `c${i}`));
  });

  it('runs a job many times from the CLI: one per line of a file, or --count', async () => {
    const jobId = await job();
    const env = { JOBNEST_URL: cluster.baseUrl, JOBNEST_APP: cluster.appName, JOBNEST_PASSWORD: cluster.appPassword };
    const file = join(dir, 'params.txt');
    writeFileSync(file, 'alpha\n\nbeta\ngamma\n');
    const fromFile = await runCliProcess(['run-bulk', String(jobId), '--file', file], env, 60_000);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const ids = fromFile.stdout.trim().split('\n').map(Number);
    assert.equal(ids.length, 3);
    const fromStdin = await runCliProcess(['run-bulk', String(jobId), '--file', '-'], env, 60_000, 'delta\n');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const counted = await runCliProcess(['run-bulk', String(jobId), '--count', '2', '--params', 'same'], env, 60_000);
    assert.equal(counted.code, 0, counted.stderr);
    assert.equal(counted.stdout.trim().split('\n').length, 2);
    const instances = await allSucceeded(jobId, 6);
    assert.deepEqual(
      ids.map((id) => instances.find((i) => i.id === id)?.result),
      ['alpha', 'beta', 'gamma'],
    );
    assert.deepEqual(instances.map((i) => i.result).sort(), ['alpha', 'beta', 'delta', 'gamma', 'same', 'same']);

    const neither = await runCliProcess(['run-bulk', String(jobId)], env, 60_000);
    assert.equal(neither.code, 2, neither.stderr);
    assert.match(neither.stderr, /either --file <lines.txt> or --count N/);
  });
});

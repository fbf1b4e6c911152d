import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient, type JobInput } from '@jobnest/client';
import { runCliProcess } from '../support/cli-process';
import { TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';

/**
 * Issue 17: idempotency keys. Two servers, one worker; concurrent requests with one key go to both servers at
 * once over raw HTTP (to see 201 against 200).
 */
describe('idempotency keys across two servers', () => {
  const cluster = new TestCluster();
  let clients: JobnestClient[];

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    clients = [cluster.client, await cluster.clientOf(1)];
    await cluster.startWorker({ workerId: 'w1' });
  });

  after(() => cluster.close());

  async function job(over: Partial<JobInput> = {}): Promise<number> {
    const created = await cluster.client.createJob({
      name: `idem-${Math.random().toString(36).slice(2, 8)}`,
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  /** POST /jobs/:id/run on server `server`, answering the HTTP status and body. */
  async function post(server: number, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${cluster.serverUrls[server]}/api/v1/jobs/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${clients[server]!.accessToken}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function instanceIdsOf(jobId: number): Promise<number[]> {
    return (await cluster.client.listInstances({ jobId, size: 200 })).items.map((i) => i.id);
  }

  it('creates one instance for 50 concurrent runs with one key, split between two servers', async () => {
    const jobId = await job();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(i % 2, `${jobId}/run`, { idempotencyKey: 'order-4711', instanceParams: `attempt ${i}` }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    assert.equal(created.length, 1, `one 201: ${JSON.stringify(answers.map((a) => a.status))}`);
    assert.equal(answers.filter((a) => a.status === 200).length, 49, 'every other answer is 200');
    const ids = new Set(answers.map((a) => (a.body as { instanceId: number }).instanceId));
    assert.equal(ids.size, 1, `every answer names one instance: ${JSON.stringify([...ids])}`);
    assert.deepEqual(
      answers.map((a) => (a.body as { created: boolean }).created).filter(Boolean).length,
      1,
      'created: true once',
    );
    const [instanceId] = [...ids];
    assert.deepEqual(await instanceIdsOf(jobId), [instanceId], 'the job has that one instance');
    const instance = await cluster.client.waitForInstance(instanceId!, { timeoutMs: 30_000 });
    assert.equal(instance.status, 'SUCCEEDED');
    assert.equal(instance.idempotencyKey, 'order-4711', 'the key is shown on the instance');
    // The run that won is the one whose params the instance has.
    const winner = answers.indexOf(created[0]!);
    assert.equal(instance.result, `attempt ${winner}`);
  });

  it('creates a new instance once the TTL has passed, and keys are per job', async () => {
    const jobId = await job();
    const first = await clients[0]!.runJob(jobId, { idempotencyKey: 'k', idempotencyTtlMs: 2000 });
    assert.equal(first.created, true);
    const again = await clients[1]!.runJob(jobId, { idempotencyKey: 'k', idempotencyTtlMs: 2000 });
    assert.deepEqual(again, { instanceId: first.instanceId, created: false }, 'within the TTL: the same instance');
    const otherJob = await job();
    const elsewhere = await clients[1]!.runJob(otherJob, { idempotencyKey: 'k' });
    assert.equal(elsewhere.created, true, 'the same key on another job is another key');

    await new Promise((r) => setTimeout(r, 2200));
    const after = await clients[1]!.runJob(jobId, { idempotencyKey: 'k', idempotencyTtlMs: 2000 });
    assert.equal(after.created, true, 'after the TTL the key is free');
    assert.notEqual(after.instanceId, first.instanceId);
    const later = await clients[0]!.runJob(jobId, { idempotencyKey: 'k' });
    assert.deepEqual(later, { instanceId: after.instanceId, created: false }, 'the new instance holds the key now');
    assert.equal((await instanceIdsOf(jobId)).length, 2);
  });

  it('answers the bulk endpoint run by run, and counts only new runs against maxInstances', async () => {
    const jobId = await job();
    const first = await post(0, `${jobId}/runs`, {
      runs: [{ idempotencyKey: 'a' }, { idempotencyKey: 'b' }, { idempotencyKey: 'a' }, {}],
    });
    assert.equal(first.status, 201);
    const body = first.body as { instanceIds: number[]; created: boolean[] };
    assert.deepEqual(body.created, [true, true, false, true]);
    assert.equal(body.instanceIds[2], body.instanceIds[0], 'a repeated key in one request answers its first run');
    assert.equal(new Set(body.instanceIds).size, 3);

    const repeat = await post(1, `${jobId}/runs`, { runs: [{ idempotencyKey: 'b' }, { idempotencyKey: 'a' }] });
    assert.equal(repeat.status, 200, 'nothing created: 200');
    assert.deepEqual(repeat.body, { instanceIds: [body.instanceIds[1], body.instanceIds[0]], created: [false, false] });
    assert.equal((await instanceIdsOf(jobId)).length, 3);

    // maxInstances counts the runs that would be new: answered keys pass, a refused launch gives its keys back.
    const limited = await job({ maxInstances: 1, processor: 'demo.sleep', jobParams: '3000' });
    const held = await clients[0]!.runJob(limited, { idempotencyKey: 'x' });
    assert.deepEqual(await clients[1]!.runJob(limited, { idempotencyKey: 'x' }), {
      instanceId: held.instanceId,
      created: false,
    });
    const refused = await post(1, `${limited}/runs`, { runs: [{ idempotencyKey: 'x' }, { idempotencyKey: 'y' }] });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    await cluster.client.waitForInstance(held.instanceId, { timeoutMs: 30_000 });
    const y = await clients[0]!.runJob(limited, { idempotencyKey: 'y' });
    assert.equal(y.created, true, 'the key of the refused request was given back');
  });

  it('rejects bad keys and TTLs with a 400 naming the field', async () => {
    const jobId = await job();
    const cases: [unknown, RegExp][] = [
      [{ idempotencyKey: '' }, /idempotencyKey must be longer than or equal to 1 characters/],
      [{ idempotencyKey: 'k'.repeat(256) }, /idempotencyKey must be shorter than or equal to 255 characters/],
      [{ idempotencyKey: 42 }, /idempotencyKey must be a string/],
      [{ idempotencyKey: 'k', idempotencyTtlMs: 999 }, /idempotencyTtlMs must not be less than 1000/],
      [{ idempotencyKey: 'k', idempotencyTtlMs: 31 * 24 * 3600 * 1000 }, /idempotencyTtlMs must not be greater than/],
      [{ idempotencyTtlMs: 5000 }, /idempotencyTtlMs only applies with idempotencyKey/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(0, `${jobId}/run`, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(JSON.stringify(answer.body), message);
    }
    const bulk = await post(0, `${jobId}/runs`, { runs: [{}, { idempotencyTtlMs: 5000 }] });
    assert.equal(bulk.status, 400);
    assert.match(JSON.stringify(bulk.body), /runs\.1\.idempotencyTtlMs only applies with runs\.1\.idempotencyKey/);
    assert.deepEqual(await instanceIdsOf(jobId), [], 'nothing was created');
  });

  it('takes the key from the CLI, printing the same id and saying so on stderr', async () => {
    const jobId = await job();
    const env = {
      JOBNEST_URL: cluster.serverUrls[1]!,
      JOBNEST_APP: cluster.appName,
      JOBNEST_PASSWORD: cluster.appPassword,
    };
    const args = ['run', String(jobId), '--idempotency-key', 'cli-1', '--idempotency-ttl', '60000'];
    const first = await runCliProcess(args, env, 30_000);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCliProcess(args, env, 30_000);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), first.stdout.trim());
    assert.match(second.stderr, /idempotency key cli-1: instance \d+ was created before/);
    const usage = await runCliProcess(['run', String(jobId), '--idempotency-ttl', '60000'], env, 30_000);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--idempotency-ttl only applies with --idempotency-key/);
    await waitUntil(async () => (await instanceIdsOf(jobId)).length === 1, 5000, 'one instance');
  });

  it("answers 404 for another app's job, never the instance its key holds", async () => {
    const admin = new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN });
    await admin.createApp(`${cluster.appName}-other`, 'other-password');
    const other = new JobnestClient({ baseUrl: cluster.serverUrls[1] });
    await other.login(`${cluster.appName}-other`, 'other-password');
    const { id: otherJob } = await other.createJob({
      name: 'theirs',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const theirs = await other.runJob(otherJob, { idempotencyKey: 'secret' });
    const err = await clients[0]!.runJob(otherJob, { idempotencyKey: 'secret' }).catch((e: unknown) => e);
    assert.ok(err instanceof JobnestApiError && err.status === 404, String(err));
    assert.deepEqual(await other.runJob(otherJob, { idempotencyKey: 'secret' }), {
      instanceId: theirs.instanceId,
      created: false,
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobnestClient, JobInput } from '@jobnest/client';
import { TestCluster } from '../support/cluster';

/** Past Node's longest timer (2^31-1 ms): a plain setTimeout of this fires after 1 ms. */
const BEYOND_TIMER_MS = 2 ** 31 + 5000;

interface RawAnswer {
  status: number;
  body: { statusCode?: unknown; error?: unknown; message?: unknown };
}

/**
 * Bad input sent straight over HTTP (the typed client would not let most of it through): every case used to get a
 * 500 from the server, and must get a 400 naming the field, with the server unharmed. One server, one worker.
 */
describe('API input bounds end to end', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let jobId = 0;
  let instanceId = 0;

  const api = (path: string): string => `${cluster.baseUrl}/api/v1${path}`;

  async function raw(method: string, path: string, body?: string | object): Promise<RawAnswer> {
    const res = await fetch(api(path), {
      method,
      headers: { authorization: `Bearer ${client.accessToken ?? ''}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: RawAnswer['body'];
    try {
      parsed = JSON.parse(text) as RawAnswer['body'];
    } catch {
      throw new Error(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
    }
    return { status: res.status, body: parsed };
  }

  function messageOf(answer: RawAnswer): string {
    const { message } = answer.body;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }

  const job = (over: Partial<JobInput> = {}): JobInput => ({
    name: `input-${Math.random().toString(36).slice(2, 8)}`,
    processor: 'demo.echo',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
    ...over,
  });

  const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1' });
    jobId = (await client.createJob(job())).id;
    instanceId = (await client.runJob(jobId, { instanceParams: 'hello' })).instanceId;
    await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
  });

  after(async () => {
    await cluster.close();
  });

  it('answers each bad input 400 naming the field, stores nothing, and keeps serving', async () => {
    const jobsBefore = (await client.listJobs({ size: 200 })).total;
    const base = JSON.stringify(job()).slice(0, -1);
    const cases: [string, string, string | object, string][] = [
      ['POST', '/jobs', `${base},"jobParams":${nested(10_000)}}`, 'jobParams'],
      ['POST', '/jobs', `${base},"extra":${nested(10_000)}}`, 'extra'],
      ['POST', '/jobs', '['.repeat(10_000) + ']'.repeat(10_000), 'body'],
      ['POST', `/jobs/${jobId}/run`, `{"instanceParams":${nested(10_000)}}`, 'instanceParams'],
      ['POST', '/jobs', job({ instanceTimeLimitMs: 1e20 }), 'instanceTimeLimitMs'],
      ['POST', '/jobs', job({ instanceTimeLimitMs: 31 * 24 * 3600 * 1000 }), 'instanceTimeLimitMs'],
      ['POST', '/jobs', job({ maxInstances: 2 ** 40 }), 'maxInstances'],
      ['POST', '/jobs', job({ minMemoryMb: 2 ** 40 }), 'minMemoryMb'],
      ['POST', '/jobs', job({ maxWorkerCount: 2 ** 40 }), 'maxWorkerCount'],
      ['POST', '/jobs', job({ minCpuCores: 1e300 }), 'minCpuCores'],
      ['POST', '/jobs', job({ lifecycle: { start: 1e20 } }), 'lifecycle.start'],
      ['POST', '/jobs', job({ lifecycle: { end: 1e20 } }), 'lifecycle.end'],
      [
        'POST',
        '/jobs',
        job({ designatedWorkers: Array.from({ length: 101 }, (_, i) => `w${i}`) }),
        'designatedWorkers',
      ],
      [
        'POST',
        '/jobs',
        job({ timeExpressionType: 'FIXED_RATE', timeExpression: '99999999999999999999999' }),
        'timeExpression',
      ],
      ['PUT', `/jobs/${jobId}`, job({ maxInstances: 2 ** 40 }), 'maxInstances'],
      ['POST', `/jobs/${jobId}/run`, { delayMs: 1e20 }, 'delayMs'],
      ['GET', '/jobs?page=1e15', '', 'page'],
      ['GET', '/instances?page=1e15', '', 'page'],
      ['GET', '/instances?jobId=1e15', '', 'jobId'],
      ['GET', `/instances/${instanceId}/tasks?page=1e15`, '', 'page'],
      ['GET', `/instances/${instanceId}/logs?after=1e20`, '', 'after'],
      ['GET', `/instances/${instanceId}/logs?limit=1e15`, '', 'limit'],
      ['GET', '/jobs/validate-time?type=FIXED_RATE&expression=99999999999999999999999', '', 'timeExpression'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await raw(method, path, method === 'GET' ? undefined : body);
      const what = `${method} ${path} (${field}): ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      assert.equal(answer.status, 400, what);
      assert.equal(answer.body.statusCode, 400, what);
      assert.equal(answer.body.error, 'Bad Request', what);
      assert.ok(messageOf(answer).includes(field), what);
    }
    assert.equal((await client.listJobs({ size: 200 })).total, jobsBefore, 'a rejected job was stored');
    assert.equal((await client.getJob(jobId)).maxInstances, 0, 'a rejected PUT changed the job');
    const health = await fetch(`${cluster.baseUrl}/health`);
    assert.equal(health.status, 200, cluster.dump());
  });

  it('answers a body over the limit 413 and malformed JSON 400, both with {statusCode, error, message}', async () => {
    // The longest jobParams the API allows (1,000,000 characters) fits in the body limit (4 MB)...
    const longest = await raw('POST', '/jobs', job({ jobParams: 'x'.repeat(1_000_000) }));
    assert.equal(longest.status, 201, JSON.stringify(longest.body).slice(0, 300));
    // ...a body past the limit does not.
    const tooLarge = await raw('POST', '/jobs', job({ jobParams: 'x'.repeat(5_000_000) }));
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.statusCode, 413);
    assert.equal(tooLarge.body.error, 'Payload Too Large');
    assert.match(messageOf(tooLarge), /body/);

    const malformed = await raw('POST', '/jobs', '{"name": "x",');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.statusCode, 400);
    assert.equal(malformed.body.error, 'Bad Request');
    assert.match(messageOf(malformed), /^body is not valid JSON/);

    assert.equal((await fetch(`${cluster.baseUrl}/health`)).status, 200);
  });

  it('accepts the largest values each column holds', async () => {
    const created = await client.createJob(
      job({
        maxInstances: 2 ** 31 - 1,
        minMemoryMb: 0,
        maxWorkerCount: 2 ** 31 - 1,
        instanceTimeLimitMs: 30 * 24 * 3600 * 1000,
        lifecycle: { start: 0, end: 253_402_300_799_999 },
      }),
    );
    const stored = await client.getJob(created.id);
    assert.equal(stored.maxInstances, 2 ** 31 - 1);
    assert.equal(stored.instanceTimeLimitMs, 30 * 24 * 3600 * 1000);
    assert.equal(stored.lifecycle.end, 253_402_300_799_999);
    await client.deleteJob(created.id);
  });

  it(`runs a job with a time limit of 2^31 + 5000 ms to success (a plain setTimeout would fail it at once)`, async () => {
    const id = (
      await client.createJob(job({ processor: 'demo.sleep', jobParams: '1500', instanceTimeLimitMs: BEYOND_TIMER_MS }))
    ).id;
    assert.equal((await client.getJob(id)).instanceTimeLimitMs, BEYOND_TIMER_MS);
    const { instanceId: run } = await client.runJob(id);
    const finished = await client.waitForInstance(run, { timeoutMs: 30_000 });
    assert.equal(finished.status, 'SUCCEEDED', `${JSON.stringify(finished)}\n${cluster.dump()}`);
    assert.equal(finished.result, 'slept 1500 ms');
  });

  it('keeps a run delayed by 2^31 + 5000 ms waiting', async () => {
    const { instanceId: delayed } = await client.runJob(jobId, { delayMs: BEYOND_TIMER_MS });
    // Waiting is the point: an overflowing timer would have dispatched the run within milliseconds.
    await sleep(1500);
    const waiting = await client.getInstance(delayed);
    assert.equal(waiting.status, 'WAITING_DISPATCH', JSON.stringify(waiting));
    assert.ok(
      waiting.expectedTriggerTime - Date.now() > 2 ** 31,
      `expected trigger time ${waiting.expectedTriggerTime}`,
    );
    assert.equal((await client.cancelInstance(delayed)).status, 'CANCELED');
  });
});

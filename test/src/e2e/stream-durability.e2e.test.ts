import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { InstanceLogLine, JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';

/** Lines the worker logs while no server runs (its own XADDs come after the filler below). */
const WORKER_LINES = 35_000;
/** Entries written into each report stream while no server runs: three times the cap workers used to trim to. */
const FILLER = 30_000;

type GroupInfo = Record<string, string | number | null>;

/** Reports and log lines written while every server is down all arrive; the streams are trimmed afterwards. */
describe('nothing is lost on the streams while no server runs', () => {
  // Long receive and worker timeouts: the worker is paused on purpose and must not be given up on meanwhile.
  const cluster = new TestCluster({ JOBNEST_RECEIVE_TIMEOUT_MS: '600000', JOBNEST_WORKER_TIMEOUT_MS: '120000' });
  const logsStream = (): string => cluster.streams.logs;
  const statusStream = (): string => cluster.streams.instanceStatus;
  let redis: Redis;
  let client: JobnestClient;
  let instanceId = 0;

  before(async () => {
    await cluster.start();
    await cluster.startWorker({ workerId: 'dur1' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    cluster.workers.get('dur1')?.kill('SIGCONT');
    redis.disconnect();
    await cluster.close();
  });

  async function serversGroup(stream: string): Promise<GroupInfo> {
    const groups = (await redis.xinfo('GROUPS', stream)) as (string | number | null)[][];
    const group = groups
      .map(
        (g) =>
          Object.fromEntries(g.flatMap((v, i) => (i % 2 === 0 ? [[String(v), g[i + 1] ?? null]] : []))) as GroupInfo,
      )
      .find((g) => g.name === 'jobnest-servers');
    assert.ok(group, `the servers' group exists on ${stream}`);
    return group;
  }

  /** The servers' group was delivered everything in the stream and acknowledged it. */
  async function caughtUp(stream: string): Promise<boolean> {
    const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0];
    const group = await serversGroup(stream);
    return last !== undefined && group['last-delivered-id'] === last && Number(group.pending) === 0;
  }

  async function allLogLines(): Promise<InstanceLogLine[]> {
    const lines: InstanceLogLine[] = [];
    let after = 0;
    for (;;) {
      const page = await client.getInstanceLogs(instanceId, { after, limit: 5000 });
      lines.push(...page.items);
      if (page.nextAfter === null || page.items.length === 0) return lines;
      after = page.nextAfter;
    }
  }

  async function fill(stream: string, message: (k: number) => object): Promise<void> {
    for (let from = 0; from < FILLER; from += 5000) {
      const pipeline = redis.pipeline();
      for (let k = from; k < Math.min(FILLER, from + 5000); k++)
        pipeline.xadd(stream, '*', 'm', JSON.stringify(message(k)));
      await pipeline.exec();
    }
  }

  it('keeps every report and log line written while the servers are down, and trims them once applied', async () => {
    const job = await cluster.client.createJob({
      name: 'many-lines',
      processor: 'demo.logs',
      jobParams: String(WORKER_LINES),
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    // Paused, the worker is still listed (its last heartbeat is recent): the run waits in its queue.
    const worker = cluster.workers.get('dur1')!;
    worker.kill('SIGSTOP');
    ({ instanceId } = await cluster.client.runJob(job.id, {}));
    const dispatched = await cluster.client.getInstance(instanceId);
    assert.equal(dispatched.status, 'WAITING_WORKER_RECEIVE');
    assert.equal(dispatched.workerId, 'dur1');
    await cluster.servers[0]!.stop();

    // Written the way workers write them, ahead of the worker's own entries.
    const filler = (k: number): object => ({
      kind: 'LogBatch',
      workerId: 'dur1',
      lines: [{ instanceId, time: Date.now(), level: 'INFO', message: `filler ${k}` }],
    });
    // A later run's RUNNING: applied by nobody, dropped by the server (but it must reach it).
    const staleReport = {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: 'dur1',
      runningTimes: dispatched.runningTimes + 1,
      status: 'RUNNING',
      result: null,
      time: Date.now(),
    };
    await fill(logsStream(), filler);
    await fill(statusStream(), () => staleReport);
    const firstLogId = (await redis.xrange(logsStream(), '-', '+', 'COUNT', 1))[0]![0];
    const lastFillerLogId = (await redis.xrevrange(logsStream(), '+', '-', 'COUNT', 1))[0]![0];

    worker.kill('SIGCONT');
    await waitUntil(
      async () => {
        const entries = await redis.xrange(logsStream(), `(${lastFillerLogId}`, '+');
        const lines = entries.reduce(
          (n, [, fields]) => n + (JSON.parse(fields[1] ?? '{}') as { lines: unknown[] }).lines.length,
          0,
        );
        return lines === WORKER_LINES;
      },
      60_000,
      `the worker to ship its ${WORKER_LINES} lines`,
    );
    await waitUntil(
      async () =>
        (await redis.xrevrange(statusStream(), '+', '-', 'COUNT', 3)).some(([, fields]) =>
          /"status":"SUCCEEDED"/.test(fields[1] ?? ''),
        ),
      30_000,
      'the worker to report SUCCEEDED',
    );

    // The worker's XADDs came after the filler and trimmed nothing (MAXLEN ~10000 would have cut ~20,000 entries).
    assert.ok((await redis.xlen(logsStream())) > FILLER, 'every log entry is still in the stream');
    assert.ok((await redis.xlen(statusStream())) > FILLER, 'every report is still in the stream');
    assert.equal(
      (await redis.xrange(logsStream(), firstLogId, firstLogId)).length,
      1,
      'the oldest entry is still there',
    );

    await cluster.startServer();
    client = await cluster.clientOf(cluster.servers.length - 1);
    cluster.client = client;
    const done = await client.waitForInstance(instanceId, { timeoutMs: 180_000 });
    assert.equal(done.status, 'SUCCEEDED', cluster.dump());
    assert.equal(done.result, `logged ${WORKER_LINES} lines`);
    assert.equal(done.runningTimes, 1, 'run once: never dispatched again');

    await waitUntil(() => caughtUp(logsStream()), 120_000, 'the servers to read and acknowledge every log entry');
    const lines = await allLogLines();
    assert.equal(lines.length, FILLER + WORKER_LINES, 'every line arrived, once');
    const messages = new Set(lines.map((l) => l.message));
    for (let i = 1; i <= WORKER_LINES; i++) assert.ok(messages.has(`line ${i}`), `line ${i} of the worker arrived`);
    for (let k = 0; k < FILLER; k++) assert.ok(messages.has(`filler ${k}`), `filler line ${k} arrived`);
    await waitUntil(() => caughtUp(statusStream()), 120_000, 'the servers to read and acknowledge every report');

    // Acknowledged entries are trimmed (approximately: whole nodes of 100 entries).
    await waitUntil(
      async () => (await redis.xlen(logsStream())) < 1000 && (await redis.xlen(statusStream())) < 1000,
      60_000,
      'the servers to trim the acknowledged entries',
    );
  });

  it('dead-letters a log line whose time is out of range when decoding it, and goes on', async () => {
    const deadLetter = cluster.keys.deadLetter;
    const before = await allLogLines();
    const lastId = before[before.length - 1]?.id ?? 0;
    const badLine = { instanceId, time: 1e300, level: 'INFO', message: 'from the far future' };
    const badId = await redis.xadd(
      logsStream(),
      '*',
      'm',
      JSON.stringify({ kind: 'LogBatch', workerId: 'dur1', lines: [badLine] }),
    );
    const goodLine = { instanceId, time: Date.now(), level: 'INFO', message: 'after the bad entry' };
    await redis.xadd(logsStream(), '*', 'm', JSON.stringify({ kind: 'LogBatch', workerId: 'dur1', lines: [goodLine] }));

    await waitUntil(
      async () =>
        (await client.getInstanceLogs(instanceId, { after: lastId })).items.some((l) => l.message === goodLine.message),
      20_000,
      'the line behind the bad entry to arrive',
    );
    const letters = await redis.xrange(deadLetter, '-', '+');
    const letter = letters.find(([, fields]) => fields[fields.indexOf('id') + 1] === badId);
    assert.ok(letter, 'the entry is in the dead-letter stream');
    assert.match(
      letter[1][letter[1].indexOf('error') + 1] ?? '',
      /lines\[0\]: field 'time' must be between 0 and 253402300799999/,
    );
    assert.ok(!(await allLogLines()).some((l) => l.message === badLine.message), 'the bad line was not stored');
    const server = cluster.servers[cluster.servers.length - 1]!;
    assert.equal(server.logs.split(badId ?? '?').length - 1, 1, 'the dead-lettered entry is logged once');
  });
});

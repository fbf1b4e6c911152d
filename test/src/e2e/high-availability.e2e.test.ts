import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Instance, JobnestClient } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';
import { reportHeldBy } from '../support/held-report';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `context`: what the failure message adds (the job's slot counters, say). */
function assertConsecutiveSeconds(list: Instance[], context = ''): void {
  const slots = list.map((i) => i.expectedTriggerTime).sort((a, b) => a - b);
  assert.equal(new Set(slots).size, slots.length, 'one instance per slot');
  for (let i = 1; i < slots.length; i++) {
    assert.equal(
      slots[i]! - slots[i - 1]!,
      1000,
      `slot missed between ${new Date(slots[i - 1]!).toISOString()} and ${new Date(slots[i]!).toISOString()}${context}`,
    );
  }
}

/** [k1, v1, k2, v2] -> [[k1, v1], [k2, v2]] (XINFO replies). */
function chunk(flat: unknown[]): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), flat[i + 1]]);
  return pairs;
}

/** Whether stream id `a` is `b` or later. */
function streamIdAtLeast(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am > bm || (am === bm && as >= bs);
}

/** Several servers on one Redis and one MySQL: kills, reclaimed stream entries, malformed entries, misfires. */
describe('high availability across servers', () => {
  const cluster = new TestCluster({ JOBNEST_STREAM_CLAIM_IDLE_MS: '2000', JOBNEST_MISFIRE_THRESHOLD_MS: '1500' });
  let redis: Redis;
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = await cluster.clientOf(1);
    cluster.client = client;
    await cluster.startWorker({ workerId: 'ha1' });
    redis = new Redis(cluster.ns.redisUrl);
  });

  after(async () => {
    redis.disconnect();
    await cluster.close();
  });

  it('misses and doubles no CRON slot when a server that was firing them is killed with SIGKILL', async () => {
    // Server 1 is frozen first, so every slot until the kill is provably fired by server 0 (the one killed).
    const survivor = cluster.servers[1]!;
    const viaKilled = await cluster.clientOf(0);
    survivor.child.kill('SIGSTOP');
    let job;
    try {
      job = await viaKilled.createJob({
        name: 'every-second',
        processor: 'demo.echo',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '* * * * * *',
        // The kill lands about when a slot's instance ends: its end report may be pending on the killed server's
        // stream consumer until the survivor claims it (2 s). Under SKIP the slots of those seconds would be skipped
        // for an instance the servers still see unfinished, which is SKIP's meaning; this test is about the timers.
        overlapPolicy: 'ALLOW_ALL',
      });
      const jobId = job.id;
      await waitUntil(
        async () => (await viaKilled.listInstances({ jobId, size: 200 })).items.length >= 3,
        15_000,
        'three slots fired by server 0 alone',
      );
    } finally {
      survivor.child.kill('SIGCONT');
    }
    const firedByKilled = (await viaKilled.listInstances({ jobId: job.id, size: 200 })).items.length;
    await sleep(300); // server 1 runs again: the kill may land while server 0 holds the next slot or while both compete
    cluster.servers[0]!.kill('SIGKILL');
    const jobId = job.id;
    await waitUntil(
      async () => (await client.listInstances({ jobId, size: 200 })).items.length >= firedByKilled + 5,
      20_000,
      'five more slots fired by the surviving server',
    );
    await client.disableJob(job.id);
    await waitUntil(
      async () => (await client.listInstances({ jobId, size: 200 })).items.every((i) => i.status === 'SUCCEEDED'),
      15_000,
      'every instance to succeed',
    );
    const list = (await client.listInstances({ jobId, size: 200 })).items;
    assert.ok(firedByKilled >= 3, `server 0 fired ${firedByKilled} slots before it was killed`);
    const job2 = await client.getJob(job.id);
    assertConsecutiveSeconds(list, ` (skippedSlots ${job2.skippedSlots}, misfiredSlots ${job2.misfiredSlots})`);
    const misfireLines = cluster.servers
      .flatMap((srv) => srv.logs.split('\n').map((l) => `${srv.name}: ${l}`))
      .filter((l) => /misfired|timers rebuilt|reconciliation lease/.test(l));
    assert.equal(
      job2.misfiredSlots,
      0,
      `no slot was skipped as a misfire either; slots ${list.map((i) => i.expectedTriggerTime).join(',')}\n${misfireLines.join('\n')}`,
    );
    // The lease outlives its holder by its TTL (5 s), so the survivor may take it only now.
    await waitUntil(
      () => /took the reconciliation lease/.test(survivor.logs),
      15_000,
      'the lease to move to the surviving server',
    );
  });

  it('processes stream entries a dead server read but never acknowledged (XAUTOCLAIM)', async () => {
    const job = await client.createJob({
      name: 'claimed',
      processor: 'demo.sleep',
      jobParams: '8000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, {});
    const stream = cluster.streams.instanceStatus;
    await reportHeldBy(client, redis, stream, instanceId, 'ghost-server', 'read by a server that died');
    const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result, 'read by a server that died');
    const pending = (await redis.xpending(stream, 'jobnest-servers')) as [number, ...unknown[]];
    await waitUntil(
      async () => ((await redis.xpending(stream, 'jobnest-servers')) as [number])[0] === 0,
      10_000,
      `no pending entries (had ${pending[0]})`,
    );
  });

  it("drops a report from a worker that is not the instance's TaskTracker, and one of an older run", async () => {
    const job = await client.createJob({
      name: 'guarded',
      processor: 'demo.sleep',
      jobParams: '3000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    // Run 1 ends; the retry is run 2 of the same instance, so a report of run 1 is a real "older run".
    const { instanceId } = await client.runJob(job.id, {});
    await client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    await client.retryInstance(instanceId);
    await waitUntil(
      async () => {
        const i = await client.getInstance(instanceId);
        return i.status === 'RUNNING' && i.runningTimes === 2;
      },
      10_000,
      'run 2 RUNNING',
    );
    const running = await client.getInstance(instanceId);
    const forged = {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: 'intruder',
      runningTimes: 2,
      status: 'FAILED',
      result: 'forged',
      time: Date.now(),
    };
    const olderRun = { ...forged, workerId: running.workerId, runningTimes: 1, result: 'wrong run' };
    const stream = cluster.streams.instanceStatus;
    const lastForged = [
      await redis.xadd(stream, '*', 'm', JSON.stringify(forged)),
      await redis.xadd(stream, '*', 'm', JSON.stringify(olderRun)),
    ][1]!;
    // Wait until the servers have read and acknowledged both entries: from then on, a status they caused would show.
    await waitUntil(
      async () => {
        const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
        const group = groups.map((g) => Object.fromEntries(chunk(g))).find((g) => g.name === 'jobnest-servers');
        return (
          group !== undefined && streamIdAtLeast(String(group['last-delivered-id']), lastForged) && group.pending === 0
        );
      },
      10_000,
      'both forged reports consumed',
    );
    const meanwhile = await client.getInstance(instanceId);
    assert.equal(meanwhile.status, 'RUNNING', `a dropped report changed the instance: ${meanwhile.result}`);
    const done = await client.waitForInstance(instanceId, { timeoutMs: 15_000 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.runningTimes, 2);
    assert.equal(done.result, 'slept 3000 ms');
  });

  it('moves malformed entries to the dead-letter stream with their reason, logs each once, and keeps consuming', async () => {
    const status = cluster.streams.instanceStatus;
    const logs = cluster.streams.logs;
    const heartbeats = cluster.streams.heartbeats;
    const deadLetter = cluster.keys.deadLetter;
    const server = cluster.servers[1]!;
    const report = { kind: 'InstanceStatusReport', workerId: 'w', runningTimes: 1, status: 'SUCCEEDED', result: null };
    const logBatch = (line: object): string => JSON.stringify({ kind: 'LogBatch', workerId: 'w', lines: [line] });
    // Each bad entry, with the reason its dead letter must give.
    const bad: [stream: string, fields: string[], reason: RegExp][] = [
      [status, ['m', '{not json'], /not valid JSON/],
      [status, ['m', JSON.stringify({ kind: 'InstanceStatusReport', instanceId: 1 })], /field 'status' must be one of/],
      [status, ['other-field', 'x'], /no 'm' field/],
      [
        status,
        ['m', JSON.stringify({ ...report, instanceId: 987654321, time: 1 })],
        /instance 987654321 does not exist/,
      ],
      [logs, ['m', logBatch({ instanceId: 1, time: 1, level: 'SHOUT', message: 'x' })], /level must be one of/],
      [logs, ['m', logBatch({ instanceId: 987654321, time: 1, level: 'INFO', message: 'for nobody' })], /987654321/],
    ];
    // Two streams can hand out the same entry id: a dead letter is known by its stream and id together.
    const ids: string[] = [];
    for (const [stream, fields] of bad) ids.push(`${stream} ${(await redis.xadd(stream, '*', ...fields))!}`);
    // A malformed heartbeat twice: heartbeats are not acknowledged (no dead letter), the server logs the shape once.
    await redis.xadd(heartbeats, '*', 'm', '{"kind":"Heartbeat"}');
    await redis.xadd(heartbeats, '*', 'm', '{"kind":"Heartbeat"}');

    const deadLetterOf = async (): Promise<Map<string, string>> =>
      new Map(
        (await redis.xrange(deadLetter, '-', '+')).map(([, f]) => [
          `${f[f.indexOf('stream') + 1]!} ${f[f.indexOf('id') + 1]!}`,
          f[f.indexOf('error') + 1]!,
        ]),
      );
    await waitUntil(
      async () => {
        const letters = await deadLetterOf();
        return ids.every((id) => letters.has(id));
      },
      15_000,
      'every bad entry in the dead-letter stream',
    );
    const letters = await deadLetterOf();
    bad.forEach(([stream, , reason], i) => assert.match(letters.get(ids[i]!)!, reason, `${stream} entry ${ids[i]}`));
    await waitUntil(() => /ignored malformed heartbeat/.test(server.logs), 10_000, 'the malformed heartbeat logged');

    const job = await client.createJob({
      name: 'after-garbage',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await client.runJob(job.id, { instanceParams: 'still alive' });
    const done = await client.waitForInstance(instanceId, { timeoutMs: 10_000 });
    assert.equal(done.result, 'still alive');
    assert.equal(server.child.exitCode, null, 'the server did not crash');
    for (const id of ids) {
      const [stream, entryId] = id.split(' ');
      const everyLog = cluster.servers.map((srv) => srv.logs).join('\n');
      const lines = everyLog.split('\n').filter((l) => l.includes(`rejected entry ${entryId} of ${stream}:`));
      assert.equal(lines.length, 1, `entry ${id} logged ${lines.length} times`);
    }
    // Every server reads every heartbeat: each logs the malformed shape once, however often it comes.
    for (const srv of cluster.servers) {
      const heartbeatLines = srv.logs.split('\n').filter((l) => l.includes('ignored malformed heartbeat'));
      assert.ok(heartbeatLines.length <= 1, `${srv.name} logged malformed heartbeats ${heartbeatLines.length} times`);
    }
  });

  it('skips misfired slots after an outage instead of replaying them', async () => {
    const job = await client.createJob({
      name: 'outage',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
      // The slots caught up after the restart fire together: ALLOW_ALL runs them side by side (SKIP would skip
      // those that overlap, which is not what this test is about).
      overlapPolicy: 'ALLOW_ALL',
    });
    const jobId = job.id;
    const count = async (): Promise<number> => (await client.listInstances({ jobId, size: 200 })).items.length;
    await waitUntil(async () => (await count()) >= 2, 10_000, 'two slots fired before the outage');
    await cluster.servers[1]!.stop();
    await sleep(6000); // no server at all: six slots fall due with nobody to fire them
    await cluster.startServer();
    client = await cluster.clientOf(cluster.serverUrls.length - 1);
    cluster.client = client;
    const beforeRestart = await count();
    await waitUntil(async () => (await count()) >= beforeRestart + 3, 15_000, 'three slots fired after the restart');
    await client.disableJob(job.id);
    await waitUntil(
      async () => (await client.listInstances({ jobId, size: 200 })).items.every((i) => i.status === 'SUCCEEDED'),
      15_000,
      'every instance to finish',
    );
    const slots = (await client.listInstances({ jobId, size: 200 })).items
      .map((i) => i.expectedTriggerTime)
      .sort((x, y) => x - y);
    const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
    const outageGap = Math.max(...gaps);
    // Bounds from the measured gap, not the wall clock: the outage shows as one hole of whole seconds, nothing else.
    assert.ok(outageGap >= 4000, `the outage left a hole of ${outageGap} ms (slots replayed?)`);
    assert.deepEqual(
      gaps.filter((g) => g !== 1000 && g !== outageGap),
      [],
      'apart from the outage, one slot every second',
    );
    assert.equal(gaps.filter((g) => g === outageGap).length, 1, 'one outage');
    const { misfiredSlots, skippedSlots } = await client.getJob(job.id);
    const due = (slots[slots.length - 1]! - slots[0]!) / 1000 + 1;
    const counted = `${slots.length} fired, ${misfiredSlots} misfired, ${skippedSlots} skipped, ${due} due; gaps ${gaps.join(' ')}`;
    const timerLines = cluster.servers
      .flatMap((srv) =>
        srv.logs
          .split('\n')
          .filter((l) => l.includes(`job ${jobId}:`))
          .map((l) => `${srv.name}: ${l}`),
      )
      .join('\n');
    assert.equal(
      slots.length + misfiredSlots + skippedSlots,
      due,
      `every slot in the range fired or counted (${counted})\n${timerLines}`,
    );
    assert.equal(misfiredSlots, outageGap / 1000 - 1, 'the slots of the hole are counted as misfires');
  });
});

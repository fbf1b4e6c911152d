import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { Heartbeat } from '@jobnest/common';
import { encodeMessage, HeartbeatReader, MESSAGE_FIELD } from '@jobnest/transport';
import { REDIS_URL, TestNamespace } from '../support/isolated-namespace';

function heartbeat(workerId: string, shuttingDown = false): Heartbeat {
  return {
    kind: 'Heartbeat',
    workerId,
    appId: 1,
    appName: 'app',
    host: 'h',
    pid: 1,
    tags: [],
    processors: ['p'],
    metrics: { cpuCores: 2, cpuLoad: 0, memoryTotalMb: 1000, memoryFreeMb: 500, processRssMb: 100 },
    runningInstances: 0,
    maxConcurrentInstances: 10,
    time: Date.now(),
    shuttingDown,
    sdkVersion: 'test',
    features: [],
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('HeartbeatReader on a real Redis stream', () => {
  const ns = new TestNamespace();
  const stream = `${ns.prefix}:stream:heartbeats`;
  const redis = new Redis(REDIS_URL);

  before(async () => {
    // One entry older than the history window, two inside it (ids with explicit times), one malformed.
    const now = Date.now();
    await redis.xadd(stream, `${now - 120_000}-0`, MESSAGE_FIELD, encodeMessage(heartbeat('too-old')));
    await redis.xadd(stream, `${now - 30_000}-0`, MESSAGE_FIELD, encodeMessage(heartbeat('w1')));
    await redis.xadd(stream, `${now - 20_000}-0`, MESSAGE_FIELD, '{"kind":"Heartbeat"}');
    await redis.xadd(stream, `${now - 10_000}-0`, MESSAGE_FIELD, encodeMessage(heartbeat('w2')));
  });

  after(async () => {
    await ns.drop();
    redis.disconnect();
  });

  it('reads the history window, then live entries, reporting malformed ones, until stopped', async () => {
    const seen: { workerId: string; entryTime: number; live: boolean; shuttingDown: boolean }[] = [];
    const malformed: string[] = [];
    const errors: unknown[] = [];
    let caughtUp = 0;
    let afterReads = 0;
    const reader = new HeartbeatReader({
      connection: new Redis(REDIS_URL),
      streams: () => [stream],
      historyMs: 60_000,
      onHeartbeat: (hb, entryTime, live) =>
        seen.push({ workerId: hb.workerId, entryTime, live, shuttingDown: hb.shuttingDown }),
      onMalformed: (id) => malformed.push(id),
      onCaughtUp: () => caughtUp++,
      afterRead: () => {
        afterReads++;
      },
      onError: (err) => errors.push(err),
    });
    reader.start();
    await until('the history is read', () => caughtUp === 1);
    assert.deepEqual(
      seen.map((s) => [s.workerId, s.live]),
      [
        ['w1', false],
        ['w2', false],
      ],
      'the entry older than historyMs is not read; history entries are not live',
    );
    assert.ok(Math.abs(seen[0]!.entryTime - (Date.now() - 30_000)) < 5_000, 'entryTime is the entry id time');
    assert.equal(malformed.length, 1);

    await redis.xadd(stream, '*', MESSAGE_FIELD, encodeMessage(heartbeat('w3', true)));
    await until('the live entry arrives', () => seen.length === 3);
    assert.deepEqual(seen[2], { ...seen[2], workerId: 'w3', live: true, shuttingDown: true });

    // A quiet stream still calls afterRead about once per second (the BLOCK times out).
    const before = afterReads;
    await until('afterRead runs on a quiet stream', () => afterReads >= before + 2, 5_000);

    const stopStarted = Date.now();
    await reader.stop();
    assert.ok(Date.now() - stopStarted < 2_000, 'stop() does not wait out a blocked XREAD');
    assert.equal(caughtUp, 1);
    assert.deepEqual(errors, []);
  });

  it('reads several streams in one XREAD; a stream listed later is read from historyMs back, not as live', async () => {
    const first = `${ns.prefix}:{s1}:app:1:heartbeats`;
    const later = `${ns.prefix}:{s1}:app:17:heartbeats`;
    const now = Date.now();
    await redis.xadd(later, `${now - 5_000}-0`, MESSAGE_FIELD, encodeMessage(heartbeat('old-news')));
    const listed = [first];
    const seen: { workerId: string; live: boolean; stream: string }[] = [];
    const reader = new HeartbeatReader({
      connection: new Redis(REDIS_URL),
      streams: () => listed,
      historyMs: 60_000,
      onHeartbeat: (hb, _time, live, from) => seen.push({ workerId: hb.workerId, live, stream: from }),
      onMalformed: () => undefined,
      onError: (err) => assert.fail(String(err)),
    });
    reader.start();
    try {
      await redis.xadd(first, '*', MESSAGE_FIELD, encodeMessage(heartbeat('a1')));
      await until('the first stream is read', () => seen.some((s) => s.workerId === 'a1'));
      listed.push(later);
      // The blocked read of the first stream ends within its block; the next read lists both.
      await until('the history of the later stream is read', () => seen.some((s) => s.workerId === 'old-news'));
      await redis.xadd(later, '*', MESSAGE_FIELD, encodeMessage(heartbeat('b1')));
      await redis.xadd(first, '*', MESSAGE_FIELD, encodeMessage(heartbeat('a2')));
      await until(
        'live entries of both',
        () => seen.some((s) => s.workerId === 'b1') && seen.some((s) => s.workerId === 'a2'),
      );
    } finally {
      await reader.stop();
    }
    const byWorker = new Map(seen.map((s) => [s.workerId, s]));
    assert.deepEqual(byWorker.get('old-news'), { workerId: 'old-news', live: false, stream: later });
    assert.deepEqual(byWorker.get('b1'), { workerId: 'b1', live: true, stream: later });
    assert.deepEqual(byWorker.get('a2'), { workerId: 'a2', live: true, stream: first });
  });

  it('leaves out a listed key that is not a stream, and reads the others', async () => {
    const good = `${ns.prefix}:{s2}:app:2:heartbeats`;
    const broken = `${ns.prefix}:{s2}:app:18:heartbeats`;
    await redis.set(broken, 'not a stream');
    const seen: string[] = [];
    const errors: unknown[] = [];
    const reader = new HeartbeatReader({
      connection: new Redis(REDIS_URL),
      streams: () => [broken, good],
      historyMs: 60_000,
      onHeartbeat: (hb) => seen.push(hb.workerId),
      onMalformed: () => undefined,
      onError: (err) => errors.push(err),
      retryPauseMs: 50,
    });
    reader.start();
    try {
      await redis.xadd(good, '*', MESSAGE_FIELD, encodeMessage(heartbeat('g1')));
      await until('the good stream is read', () => seen.includes('g1'));
    } finally {
      await reader.stop();
    }
    assert.equal(errors.length, 1, 'one failed read, then the broken key is left out');
    assert.match(String(errors[0]), /WRONGTYPE/);
  });
});

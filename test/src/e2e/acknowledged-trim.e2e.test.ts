import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { trimAcknowledged } from '@jobnest/transport';
import { TestNamespace } from '../support/isolated-namespace';

type ReadReply = [string, [string, string[]][]][] | null;

/** trimAcknowledged against the real Redis: it deletes only what every consumer group acknowledged. */
describe('trimming streams below what their groups acknowledged', () => {
  const ns = new TestNamespace();
  const stream = `${ns.prefix}:stream:trim`;
  let redis: Redis;
  const ids: string[] = [];

  before(async () => {
    redis = new Redis(ns.redisUrl);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.xadd(stream, '*', 'm', String(i));
    for (const [, id] of (await pipeline.exec()) ?? []) ids.push(String(id));
  });

  after(async () => {
    redis.disconnect();
    await ns.drop();
  });

  async function read(group: string, count: number): Promise<string[]> {
    const reply = (await redis.xreadgroup('GROUP', group, 'c', 'COUNT', count, 'STREAMS', stream, '>')) as ReadReply;
    return reply?.[0]?.[1].map(([id]) => id) ?? [];
  }

  /** Every entry from `id` on is still in the stream. */
  async function keptFrom(id: string): Promise<void> {
    const from = ids.indexOf(id);
    const kept = await redis.xrange(stream, id, '+');
    assert.equal(kept.length, ids.length - from, `entries from ${id} on are all kept`);
  }

  it('leaves a stream without any group alone, and one whose group has read nothing', async () => {
    assert.deepEqual(await trimAcknowledged(redis, `${ns.prefix}:stream:missing`), { safeId: null, deleted: 0 });
    assert.deepEqual(await trimAcknowledged(redis, stream), { safeId: null, deleted: 0 });
    await redis.xgroup('CREATE', stream, 'fast', '0');
    await redis.xgroup('CREATE', stream, 'slow', '0');
    const delivered = await read('fast', 600);
    await redis.xack(stream, 'fast', ...delivered);
    assert.equal((await trimAcknowledged(redis, stream)).deleted, 0, 'the slow group has read nothing');
    assert.equal(await redis.xlen(stream), 1000);
  });

  it('stops at the oldest entry pending in any group', async () => {
    const delivered = await read('slow', 1000);
    await redis.xack(stream, 'slow', ...delivered.slice(0, 450)); // 450.. stay pending
    const trim = await trimAcknowledged(redis, stream);
    assert.equal(trim.safeId, ids[450]);
    assert.ok(trim.deleted > 0, 'acknowledged entries below it are deleted');
    await keptFrom(ids[450]!);
  });

  it('stops at the last entry delivered to the group that is behind', async () => {
    await redis.xack(stream, 'slow', ...ids.slice(450));
    const trim = await trimAcknowledged(redis, stream);
    assert.equal(trim.safeId, ids[599], 'the fast group was delivered up to entry 599');
    await keptFrom(ids[599]!);
    assert.ok((await redis.xlen(stream)) < 1000 - 450);
  });
});

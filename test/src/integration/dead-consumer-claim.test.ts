import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { claimFromDeadConsumers } from '@jobnest/transport';
import { REDIS_URL, TestNamespace } from '../support/isolated-namespace';

const GROUP = 'servers';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** XPENDING's [consumer, count] pairs of a stream, as a map. */
async function pendingByConsumer(redis: Redis, stream: string): Promise<Map<string, number>> {
  const summary = (await redis.xpending(stream, GROUP)) as [number, unknown, unknown, [string, string][] | null];
  return new Map((summary[3] ?? []).map(([consumer, count]) => [consumer, Number(count)]));
}

describe('claimFromDeadConsumers on a real Redis stream', () => {
  const ns = new TestNamespace();
  const a = `${ns.prefix}:{s1}:a`;
  const b = `${ns.prefix}:{s1}:b`;
  const redis = new Redis(REDIS_URL);

  /** Adds `n` entries to `stream` and has `consumer` read them without acknowledging. */
  async function holdEntries(stream: string, consumer: string, n: number): Promise<void> {
    const pipeline = redis.pipeline();
    for (let i = 0; i < n; i++) pipeline.xadd(stream, '*', 'm', `${consumer}-${i}`);
    await pipeline.exec();
    await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', n, 'STREAMS', stream, '>');
  }

  before(async () => {
    for (const stream of [a, b]) await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    await holdEntries(a, 'dead-1', 250); // more than one page of 100
    await holdEntries(b, 'dead-1', 3);
    await holdEntries(a, 'alive-1', 5);
    await sleep(1100); // older than the 1 s every claim below asks for
  });

  after(async () => {
    await ns.drop();
    redis.disconnect();
  });

  it('moves every entry of the dead consumers to itself, page by page, and leaves the live ones', async () => {
    const asked: string[][] = [];
    const claims = await claimFromDeadConsumers(
      redis,
      [a, b],
      GROUP,
      'me',
      async (consumers) => {
        asked.push([...consumers].sort());
        return new Set(consumers.filter((c) => c.startsWith('dead-')));
      },
      1000,
    );
    assert.deepEqual(asked, [['alive-1', 'dead-1']], 'one question, about every other holder');
    assert.deepEqual(
      claims.map((c) => [c.stream, c.consumer, c.claimed]),
      [
        [a, 'dead-1', 250],
        [b, 'dead-1', 3],
      ],
    );
    assert.deepEqual(
      await pendingByConsumer(redis, a),
      new Map([
        ['alive-1', 5],
        ['me', 250],
      ]),
    );
    assert.deepEqual(await pendingByConsumer(redis, b), new Map([['me', 3]]));
  });

  it('leaves entries read or claimed less than minIdleMs ago, and asks nothing when no other consumer holds any', async () => {
    // minIdleMs of 3 s: far above what a stalled test machine takes between two commands.
    const minIdle = 3000;
    await holdEntries(b, 'dead-2', 1);
    const everyoneDead = async (consumers: readonly string[]): Promise<ReadonlySet<string>> => new Set(consumers);
    assert.deepEqual(await claimFromDeadConsumers(redis, [b], GROUP, 'me', everyoneDead, minIdle), []);
    assert.equal((await pendingByConsumer(redis, b)).get('dead-2'), 1, 'read just now: left for a later pass');
    await sleep(minIdle + 100);
    const claims = await claimFromDeadConsumers(redis, [b], GROUP, 'me', everyoneDead, minIdle);
    assert.deepEqual(
      claims.map((c) => [c.consumer, c.claimed]),
      [['dead-2', 1]],
    );
    // Another consumer taking 'me' for dead right after: the 3 entries 'me' claimed long ago move, the one it has
    // just claimed does not (two live consumers do not take fresh entries from each other).
    const other = await claimFromDeadConsumers(redis, [b], GROUP, 'other', everyoneDead, minIdle);
    assert.deepEqual(
      other.map((c) => [c.consumer, c.claimed]),
      [['me', 3]],
    );
    assert.deepEqual(
      await pendingByConsumer(redis, b),
      new Map([
        ['me', 1],
        ['other', 3],
      ]),
    );

    const c = `${ns.prefix}:{s1}:c`;
    await redis.xgroup('CREATE', c, GROUP, '0', 'MKSTREAM');
    await holdEntries(c, 'me', 2);
    let questions = 0;
    const none = await claimFromDeadConsumers(
      redis,
      [c],
      GROUP,
      'me',
      async () => {
        questions++;
        return new Set();
      },
      1000,
    );
    assert.deepEqual(none, []);
    assert.equal(questions, 0, 'only this consumer holds entries of c: nothing to ask');
  });

  it('moves nothing another consumer claimed between its XPENDING and its XCLAIM', async () => {
    const d = `${ns.prefix}:{s1}:d`;
    await redis.xgroup('CREATE', d, GROUP, '0', 'MKSTREAM');
    await holdEntries(d, 'dead-3', 4);
    await sleep(1100);
    // The same Redis, with a rival server's claim of the listed entries slipped in right after the listing.
    const racing = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'xpending') {
          return async (...args: [string, string, ...(string | number)[]]) => {
            const reply = (await target.xpending(...(args as [string, string]))) as unknown[];
            if (args.length > 2 && reply.length > 0) {
              const ids = (reply as [string][]).map(([id]) => id);
              await target.xclaim(d, GROUP, 'rival', 0, ...ids);
            }
            return reply;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const claims = await claimFromDeadConsumers(racing, [d], GROUP, 'me', async (cs) => new Set(cs), 1000);
    assert.deepEqual(claims, [], 'the rival claimed them a moment ago: XCLAIM with a 1 s minimum leaves them');
    assert.deepEqual(await pendingByConsumer(redis, d), new Map([['rival', 4]]));
  });
});

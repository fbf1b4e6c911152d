import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { MessageDecodeError } from '@jobnest/common';
import { SERVER_CONSUMER_GROUP, StreamGroupConsumer, type ConsumerLogger, type StreamEntry } from '@jobnest/transport';
import { waitUntil } from '../support/cluster';
import { TestNamespace } from '../support/isolated-namespace';

interface Item {
  n: number;
  /** The handler fails on it every time, with an error of the data (a handler bug, a value MySQL refuses). */
  poison?: boolean;
  /** The handler fails on it this many times with ECONNREFUSED (MySQL unreachable), then applies it. */
  transientFailures?: number;
}

class RecordingLogger implements ConsumerLogger {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  log(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
}

function decodeItem(raw: string | undefined): Item {
  try {
    const value = JSON.parse(raw ?? '') as Item;
    if (typeof value.n !== 'number') throw new Error('no n');
    return value;
  } catch {
    throw new MessageDecodeError('not an item');
  }
}

class ConnectionRefused extends Error {
  readonly code = 'ECONNREFUSED';
}

/**
 * A handler that behaves like the servers' MySQL ones: a batch is applied whole or not at all. It records what it
 * applied and how often it was handed each item alone.
 */
class ItemStore {
  readonly applied: number[] = [];
  readonly aloneCalls = new Map<number, number>();
  private readonly transientLeft = new Map<number, number>();

  async handle(entries: StreamEntry<Item>[]): Promise<void> {
    if (entries.length === 1) {
      const n = entries[0]!.message.n;
      this.aloneCalls.set(n, (this.aloneCalls.get(n) ?? 0) + 1);
    }
    for (const { message } of entries) {
      if (message.transientFailures === undefined) continue;
      const left = this.transientLeft.get(message.n) ?? message.transientFailures;
      if (left > 0) {
        this.transientLeft.set(message.n, left - 1);
        throw new ConnectionRefused(`connect ECONNREFUSED 127.0.0.1:3306 (item ${message.n})`);
      }
    }
    const poison = entries.find((e) => e.message.poison);
    if (poison) throw new Error(`cannot apply item ${poison.message.n}`);
    this.applied.push(...entries.map((e) => e.message.n));
  }
}

/** StreamGroupConsumer against the real Redis: poison entries are dead-lettered, outages are waited out. */
describe('stream consumer failures', () => {
  const ns = new TestNamespace();
  const deadLetter = `${ns.prefix}:stream:dead-letter`;
  let redis: Redis;
  const consumers: StreamGroupConsumer<Item>[] = [];
  const connections: Redis[] = [];

  before(() => {
    redis = new Redis(ns.redisUrl);
  });

  after(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    for (const c of [...connections, redis]) c.disconnect();
    await ns.drop();
  });

  function consume(
    stream: string | (() => string[]),
    store: ItemStore,
    logger: RecordingLogger,
  ): StreamGroupConsumer<Item> {
    const connection = new Redis(ns.redisUrl);
    connections.push(connection);
    const consumer = new StreamGroupConsumer<Item>({
      redis: connection,
      streams: typeof stream === 'string' ? () => [stream] : stream,
      group: SERVER_CONSUMER_GROUP,
      consumer: 'test-consumer',
      decode: decodeItem,
      handle: (entries) => store.handle(entries),
      deadLetterStream: deadLetter,
      logger,
      blockMs: 200,
    });
    consumers.push(consumer);
    consumer.start();
    return consumer;
  }

  async function add(stream: string, items: Item[]): Promise<string[]> {
    const ids: string[] = [];
    for (const item of items) ids.push((await redis.xadd(stream, '*', 'm', JSON.stringify(item))) ?? '');
    return ids;
  }

  async function deadLettersOf(stream: string): Promise<Record<string, string>[]> {
    const entries = await redis.xrange(deadLetter, '-', '+');
    return entries
      .map(([, fields]) =>
        Object.fromEntries(fields.flatMap((f, i) => (i % 2 === 0 ? [[f, fields[i + 1] ?? '']] : []))),
      )
      .filter((d) => d.stream === stream);
  }

  it('dead-letters an entry that keeps failing, after 5 attempts alone, and applies the ones behind it', async () => {
    const stream = `${ns.prefix}:stream:poison`;
    const ids = await add(stream, [{ n: 1 }, { n: 2, poison: true }, { n: 3 }, { n: 4 }]);
    const store = new ItemStore();
    const logger = new RecordingLogger();
    consume(stream, store, logger);
    await waitUntil(() => store.applied.includes(4), 20_000, 'the entries behind the poison one to be applied');
    await add(stream, [{ n: 5 }]);
    await waitUntil(() => store.applied.includes(5), 10_000, 'an entry added afterwards to be applied');

    assert.deepEqual(store.applied, [1, 3, 4, 5], 'every other entry applied once, in stream order');
    assert.equal(store.aloneCalls.get(2), 5, 'the poison entry was tried alone exactly maxFailures times');
    const letters = await deadLettersOf(stream);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.id, ids[1]);
    assert.match(letters[0]!.error ?? '', /^failed 5 times: cannot apply item 2$/);
    assert.deepEqual(JSON.parse(letters[0]!.raw ?? ''), { n: 2, poison: true });
    const logged = logger.warnings.filter((w) => w.includes(ids[1]!) && /moved to/.test(w));
    assert.equal(logged.length, 1, `the dead-lettered entry is logged once: ${logger.warnings.join(' | ')}`);
    const pending = (await redis.xpending(stream, SERVER_CONSUMER_GROUP)) as [number];
    assert.equal(pending[0], 0, 'nothing left pending');
  });

  it('waits out transient errors however many there are, and dead-letters nothing', async () => {
    const stream = `${ns.prefix}:stream:outage`;
    await add(stream, [{ n: 1, transientFailures: 8 }, { n: 2 }]);
    const store = new ItemStore();
    const logger = new RecordingLogger();
    consume(stream, store, logger);
    await waitUntil(() => store.applied.includes(2), 20_000, 'both entries to be applied once MySQL is back');

    assert.deepEqual(store.applied, [1, 2]);
    assert.equal(store.aloneCalls.size, 0, 'a transient error never makes the consumer hunt for a culprit');
    assert.deepEqual(await deadLettersOf(stream), []);
    assert.ok(
      logger.errors.some((e) => /ECONNREFUSED/.test(e)),
      'the outage is logged',
    );
  });

  it('reads several streams with one consumer, a stream listed later from its first entry, each poison on its own', async () => {
    const a = `${ns.prefix}:stream:app-a`;
    const b = `${ns.prefix}:stream:app-b`;
    await add(a, [{ n: 1 }, { n: 2 }]);
    await add(b, [{ n: 10 }]); // written before the consumer lists it (a new app's first report)
    const listed = [a];
    const store = new ItemStore();
    const logger = new RecordingLogger();
    consume(() => listed, store, logger);
    await waitUntil(() => store.applied.includes(2), 10_000, 'the first stream to be read');
    assert.ok(!store.applied.includes(10), 'a stream not listed is not read');

    listed.push(b);
    await add(a, [{ n: 3 }]);
    await waitUntil(() => store.applied.includes(10) && store.applied.includes(3), 10_000, 'both streams read');
    const poisonIds = await add(b, [{ n: 11, poison: true }, { n: 12 }]);
    await add(a, [{ n: 4 }]);
    await waitUntil(
      () => store.applied.includes(12) && store.applied.includes(4),
      20_000,
      'the entries after the poison',
    );

    assert.deepEqual(
      [...store.applied].sort((x, y) => x - y),
      [1, 2, 3, 4, 10, 12],
      'every good entry of both streams applied once',
    );
    const letters = await deadLettersOf(b);
    assert.deepEqual(
      letters.map((l) => l.id),
      [poisonIds[0]],
      'the poison entry is dead-lettered with the stream it came from',
    );
    for (const stream of [a, b]) {
      const pending = (await redis.xpending(stream, SERVER_CONSUMER_GROUP)) as [number];
      assert.equal(pending[0], 0, `nothing left pending on ${stream}`);
    }
  });

  it('leaves out a listed key that is not a stream, and reads the others', async () => {
    const good = `${ns.prefix}:stream:app-good`;
    const broken = `${ns.prefix}:stream:app-broken`;
    await redis.set(broken, 'not a stream'); // what a worker with too wide rights could do to its own stream
    await add(good, [{ n: 1 }, { n: 2 }]);
    const store = new ItemStore();
    const logger = new RecordingLogger();
    consume(() => [broken, good], store, logger);
    await waitUntil(() => store.applied.includes(2), 10_000, "the good stream's entries despite the broken key");
    await add(good, [{ n: 3 }]);
    await waitUntil(() => store.applied.includes(3), 10_000, 'a later entry too');
    assert.deepEqual(store.applied, [1, 2, 3]);
    assert.equal(
      logger.errors.filter((e) => e.includes(`${broken} is a string, not a stream`)).length,
      1,
      logger.errors.join(' | '),
    );
  });
});

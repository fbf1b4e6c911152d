import type { RedisClient } from './redis-connection';
import { errorMessage, isTransientError, MessageDecodeError, ThrottledErrorLog } from '@jobnest/common';
import { EntryApplyError } from './entry-apply-error';
import { NonStreamKeys } from './non-stream-keys';
import { messageField } from './message-codec';
import { claimFromDeadConsumers } from './dead-consumer-claim';

export interface StreamEntry<T> {
  /** The stream the entry was read from (several are read together). */
  stream: string;
  id: string;
  message: T;
}

export interface RejectedEntry {
  stream: string;
  id: string;
  reason: string;
}

export interface ConsumerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StreamGroupConsumerOptions<T> {
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  redis: RedisClient;
  /**
   * The streams to read, asked before every read: read together by one XREADGROUP, so on a Redis Cluster they must
   * share a hash tag. The group is created on a stream (from its first entry) the first time it is listed.
   */
  streams: () => readonly string[];
  /**
   * Whether the consumer may create a listed stream that does not exist (XGROUP CREATE ... MKSTREAM). A stream it
   * may not create is read only once it exists. (Default: () => true)
   */
  mayCreate?: (stream: string) => boolean;
  group: string;
  /**
   * Unique per process: a dead process's entries are claimed by the others, at once when `deadConsumers` says it is
   * dead, else through XAUTOCLAIM once idle for `claimIdleMs`.
   */
  consumer: string;
  /** Throws MessageDecodeError on a malformed entry. */
  decode: (raw: string | undefined) => T;
  /**
   * Persists a batch; entries are acknowledged only after it resolves. It should apply all of the batch or none
   * of it (a failed batch is applied again entry by entry). May return entries it refuses (well-formed but
   * meaningless, e.g. naming an unknown instance): they go to the dead-letter stream like malformed ones.
   */
  handle: (entries: StreamEntry<T>[]) => Promise<RejectedEntry[] | void>;
  /** Malformed, refused and poison entries are copied here (with their error), then acknowledged. */
  deadLetterStream: string;
  logger: ConsumerLogger;
  /** Entries read per call. (Default: 100) */
  batchSize?: number;
  /** How long one XREADGROUP blocks. (Default: 1000 ms) */
  blockMs?: number;
  /** Entries pending this long with another consumer are taken over. (Default: 30000 ms) */
  claimIdleMs?: number;
  /**
   * Which of these consumers are known to be dead (their process stopped): their pending entries are taken over at
   * once instead of after `claimIdleMs`. A consumer not known to be dead keeps its entries until they are idle for
   * `claimIdleMs`. (Default: none is known to be dead)
   */
  deadConsumers?: (consumers: readonly string[]) => Promise<ReadonlySet<string>>;
  /** How often the consumers holding entries are checked with `deadConsumers`. (Default: 2000 ms) */
  deadCheckMs?: number;
  /**
   * An entry whose `handle` fails this many times on its own, with an error that is not transient, is a poison
   * entry: it is dead-lettered and acknowledged so the entries behind it go on. (Default: 5)
   */
  maxFailures?: number;
  /**
   * Tells an unavailable infrastructure (retried without limit, as it would fail any entry) from a failure of the
   * entry itself. (Default: isTransientError: connection errors, deadlocks, lock wait timeouts, a server gone away)
   */
  isTransient?: (err: unknown) => boolean;
}

/** A decoded entry with its raw text, kept for the dead-letter stream. */
interface DecodedEntry<T> extends StreamEntry<T> {
  raw: string | undefined;
}

/** An entry on its way to the dead-letter stream. */
interface DeadLetter {
  stream: string;
  id: string;
  raw: string | undefined;
  error: string;
}

/** An entry as read, with its stream. */
interface ReadEntry {
  stream: string;
  id: string;
  fields: string[] | null;
}

/** Entries whose failures are counted at once; beyond, the oldest counts are forgotten (they start over). */
const MAX_COUNTED_ENTRIES = 10_000;
/** Dead-letter entries kept (XADD MAXLEN ~): it is for people to look at, not a queue. */
const DEAD_LETTER_MAX_LEN = 10_000;
/** How long to wait before reading again while no stream is listed yet. */
const NO_STREAM_PAUSE_MS = 200;

type RawEntry = [id: string, fields: string[] | null];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/**
 * Reads streams in a consumer group: own pending entries first (after a failed batch or a restart), then new ones,
 * and from time to time entries left pending by consumers that died. Acknowledges after `handle` succeeds, so an
 * entry is processed at least once; handlers must be idempotent. The streams listed by `streams` are read together
 * by one XREADGROUP (one blocked connection however many apps write them); the list may grow between reads.
 *
 * A failing batch is retried after a pause while the error is transient (MySQL or Redis unreachable: nothing is
 * lost, the stream waits). Any other error is the data's: the batch is applied again entry by entry, in order, and
 * the entry that keeps failing is dead-lettered after `maxFailures` attempts instead of blocking the stream forever.
 */
export class StreamGroupConsumer<T> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readPendingFirst = true;
  private lastClaimAt = 0;
  private lastDeadCheckAt = 0;
  private errors: ThrottledErrorLog | undefined;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly deadCheckMs: number;
  private readonly maxFailures: number;
  private readonly isTransient: (err: unknown) => boolean;
  /** Streams whose group exists (created or found). */
  private readonly grouped = new Set<string>();
  /** Listed keys that are not streams (WRONGTYPE would fail every read of the others). */
  private readonly nonStreams = new NonStreamKeys();
  /** Failures of entries applied on their own, by stream and entry id (in memory: another consumer counts from zero). */
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: StreamGroupConsumerOptions<T>) {
    this.batchSize = options.batchSize ?? 100;
    this.blockMs = options.blockMs ?? 1000;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.deadCheckMs = options.deadCheckMs ?? 2000;
    this.maxFailures = options.maxFailures ?? 5;
    this.isTransient = options.isTransient ?? isTransientError;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) {
      throw new RangeError(`maxFailures must be a positive whole number (got ${this.maxFailures})`);
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        await this.onError(err);
      }
    }
  }

  private async step(): Promise<void> {
    const { redis, group, consumer } = this.options;
    const listed = this.nonStreams.readable(this.options.streams()).streams;
    const added = listed.filter((s) => !this.grouped.has(s));
    if (added.length > 0 && (await this.ensureGroups(added))) {
      this.readPendingFirst = true; // a stream taken over from an earlier run of this consumer may hold our entries
    }
    const streams = listed.filter((s) => this.grouped.has(s));
    if (streams.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, NO_STREAM_PAUSE_MS));
      return;
    }
    if (Date.now() - this.lastClaimAt >= Math.min(this.claimIdleMs, 10_000)) {
      this.lastClaimAt = Date.now();
      await this.claimAbandoned(streams);
    }
    if (this.options.deadConsumers && Date.now() - this.lastDeadCheckAt >= this.deadCheckMs) {
      this.lastDeadCheckAt = Date.now();
      await this.claimFromDead(streams, this.options.deadConsumers);
    }
    const from = this.readPendingFirst ? '0' : '>';
    const block = from === '>' ? ['BLOCK', this.blockMs] : [];
    // The typed command keeps ioredis' legacy reply shape ([[stream, entries]]); `call` would return RESP3's map.
    const xreadgroup = redis.xreadgroup.bind(redis) as unknown as (...args: (string | number)[]) => Promise<ReadReply>;
    const reply = await xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      this.batchSize,
      ...block,
      'STREAMS',
      ...streams,
      ...streams.map(() => from),
    );
    const entries: ReadEntry[] = [];
    for (const [stream, raw] of reply ?? []) {
      for (const [id, fields] of raw) entries.push({ stream, id, fields });
    }
    if (from === '0' && entries.length === 0) {
      this.readPendingFirst = false;
      return;
    }
    // COUNT bounds each stream, not the read: handle at most batchSize at once (in stream order within a stream).
    for (let i = 0; i < entries.length; i += this.batchSize) await this.process(entries.slice(i, i + this.batchSize));
  }

  /** XAUTOCLAIM moves entries idle for claimIdleMs to this consumer; they are then read as our own pending. */
  private async claimAbandoned(streams: string[]): Promise<void> {
    const { redis, group, consumer } = this.options;
    for (const stream of streams) {
      let cursor = '0-0';
      do {
        const reply = (await redis.xautoclaim(stream, group, consumer, this.claimIdleMs, cursor, 'COUNT', 100)) as [
          string,
          RawEntry[],
          string[]?,
        ];
        cursor = reply[0];
        if (reply[1].length > 0) {
          this.readPendingFirst = true;
          this.options.logger.log(`claimed ${reply[1].length} abandoned entries of ${stream}`);
        }
      } while (cursor !== '0-0' && this.running);
    }
  }

  /**
   * Takes over the entries of consumers known to be dead, whatever their idle time (a second at least, so two live
   * consumers do not take the same entries from each other); they are then read as our own pending.
   */
  private async claimFromDead(
    streams: string[],
    deadAmong: (consumers: readonly string[]) => Promise<ReadonlySet<string>>,
  ): Promise<void> {
    const { redis, group, consumer, logger } = this.options;
    const claims = await claimFromDeadConsumers(
      redis,
      streams,
      group,
      consumer,
      deadAmong,
      Math.min(1000, this.claimIdleMs),
    );
    for (const claim of claims) {
      this.readPendingFirst = true;
      logger.log(`claimed ${claim.claimed} entries of ${claim.stream} left by ${claim.consumer}, which is dead`);
    }
  }

  private async process(raw: ReadEntry[]): Promise<void> {
    if (raw.length === 0) return;
    const good: DecodedEntry<T>[] = [];
    const malformed: DeadLetter[] = [];
    for (const { stream, id, fields } of raw) {
      if (!fields) continue; // deleted entry still in the PEL: only acknowledged
      const value = messageField(fields);
      try {
        good.push({ stream, id, message: this.options.decode(value), raw: value });
      } catch (err) {
        if (!(err instanceof MessageDecodeError)) throw err;
        malformed.push({ stream, id, raw: value, error: err.message });
      }
    }
    const goodKeys = new Set(good.map(entryKey));
    let refused: DeadLetter[];
    try {
      refused = await this.apply(good);
    } catch (err) {
      if (this.isTransient(err)) throw err;
      // The batch failed because of its data: settle the rest of the read, then find the culprit entry by entry.
      await this.settle(
        malformed,
        raw.filter((e) => !goodKeys.has(entryKey(e))),
      );
      await this.applyOneByOne(good);
      return;
    }
    await this.settle([...malformed, ...refused], raw);
  }

  /** Hands entries to `handle`; returns the ones it refused, ready for the dead-letter stream. */
  private async apply(entries: DecodedEntry<T>[]): Promise<DeadLetter[]> {
    if (entries.length === 0) return [];
    const refused =
      (await this.options.handle(entries.map(({ stream, id, message }) => ({ stream, id, message })))) ?? [];
    const rawByKey = new Map(entries.map((e) => [entryKey(e), e.raw]));
    return refused.map((r) => ({ stream: r.stream, id: r.id, raw: rawByKey.get(entryKey(r)), error: r.reason }));
  }

  /**
   * Applies entries one at a time, in stream order, acknowledging each. An entry that fails (not transiently) stops
   * the pass, so later entries are not applied before it; it is counted, and dead-lettered at `maxFailures`.
   */
  private async applyOneByOne(entries: DecodedEntry<T>[]): Promise<void> {
    for (const entry of entries) {
      const key = entryKey(entry);
      let refused: DeadLetter[];
      try {
        refused = await this.apply([entry]);
      } catch (err) {
        if (this.isTransient(err)) throw err;
        const failures = this.countFailure(key);
        if (failures < this.maxFailures)
          throw new EntryApplyError(entry.stream, entry.id, failures, this.maxFailures, err);
        this.failures.delete(key);
        await this.settle(
          [
            {
              stream: entry.stream,
              id: entry.id,
              raw: entry.raw,
              error: `failed ${failures} times: ${errorMessage(err)}`,
            },
          ],
          [entry],
        );
        continue;
      }
      this.failures.delete(key);
      await this.settle(refused, [entry]);
    }
  }

  private countFailure(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key); // re-insert: Map order is the eviction order
    this.failures.set(key, failures);
    if (this.failures.size > MAX_COUNTED_ENTRIES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return failures;
  }

  /** Copies entries to the dead-letter stream (logging each once), then acknowledges `acked` (one XACK per stream). */
  private async settle(deadLetters: DeadLetter[], acked: { stream: string; id: string }[]): Promise<void> {
    const { redis, group, deadLetterStream, logger } = this.options;
    if (deadLetters.length > 0) {
      const pipeline = redis.pipeline();
      for (const d of deadLetters) {
        pipeline.xadd(
          deadLetterStream,
          'MAXLEN',
          '~',
          DEAD_LETTER_MAX_LEN,
          '*',
          'stream',
          d.stream,
          'id',
          d.id,
          'error',
          d.error,
          'raw',
          (d.raw ?? '').slice(0, 65_536),
        );
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed?.[0]) throw failed[0]; // not acknowledged: moved again on the next read
      for (const d of deadLetters)
        logger.warn(`rejected entry ${d.id} of ${d.stream}: ${d.error}; moved to ${deadLetterStream}`);
    }
    const idsByStream = new Map<string, string[]>();
    for (const { stream, id } of acked) {
      let ids = idsByStream.get(stream);
      if (!ids) idsByStream.set(stream, (ids = []));
      ids.push(id);
    }
    for (const [stream, ids] of idsByStream) await redis.xack(stream, group, ...ids);
  }

  /** Creates the group on each stream (from 0: reports written while no server ran count too); true if any is new. */
  private async ensureGroups(streams: string[]): Promise<boolean> {
    const { redis, group } = this.options;
    let any = false;
    for (const stream of streams) {
      const create = this.options.mayCreate?.(stream) ?? true;
      try {
        if (create) await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
        else await redis.xgroup('CREATE', stream, group, '0');
      } catch (err) {
        const message = errorMessage(err);
        if (!create && /requires the key to exist/i.test(message)) continue; // read once it exists
        if (!message.includes('BUSYGROUP')) throw err;
      }
      this.grouped.add(stream);
      any = true;
    }
    return any;
  }

  private async onError(err: unknown): Promise<void> {
    const message = errorMessage(err);
    this.readPendingFirst = true; // unacknowledged entries are retried from our pending list
    this.errors ??= new ThrottledErrorLog(this.options.logger);
    this.errors.error('read', `consumer of ${this.describe()} failed, will retry`, err);
    if (message.includes('NOGROUP')) {
      // Redis lost a stream (restart without persistence): create the groups again before the next read.
      this.grouped.clear();
    }
    if (message.includes('WRONGTYPE')) await this.setAsideNonStreams().catch(() => undefined);
    if (this.running) await new Promise((r) => setTimeout(r, 500));
  }

  /**
   * One key of a read that is not a stream (a string written where a stream belongs) makes Redis refuse the whole
   * read: find such keys and leave them out, so the other streams go on (NonStreamKeys). Looked at again a minute later
   * (deleted, or a stream again, it is read again; still not, it is logged again: at most once a minute per key).
   */
  private async setAsideNonStreams(): Promise<void> {
    for (const { key, type } of await this.nonStreams.findAmong(this.options.redis, this.options.streams())) {
      this.options.logger.error(`${key} is a ${type}, not a stream: left out of the reads until it is deleted`);
      this.grouped.delete(key);
    }
  }

  private describe(): string {
    const streams = this.options.streams();
    return streams.length === 1 ? streams[0] : `${streams.length} streams (${streams[0] ?? 'none yet'}, ...)`;
  }
}

function entryKey(entry: { stream: string; id: string }): string {
  return `${entry.stream}\n${entry.id}`;
}

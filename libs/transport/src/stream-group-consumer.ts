import type { Redis } from 'ioredis';
import { errorMessage, isTransientError, MessageDecodeError, ThrottledErrorLog } from '@jobnest/common';
import { EntryApplyError } from './entry-apply-error';
import { messageField } from './message-codec';

export interface StreamEntry<T> {
  id: string;
  message: T;
}

export interface RejectedEntry {
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
  redis: Redis;
  stream: string;
  group: string;
  /** Unique per process (a dead process's entries are claimed by the others through XAUTOCLAIM). */
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
  id: string;
  raw: string | undefined;
  error: string;
}

/** Entries whose failures are counted at once; beyond, the oldest counts are forgotten (they start over). */
const MAX_COUNTED_ENTRIES = 10_000;
/** Dead-letter entries kept (XADD MAXLEN ~): it is for people to look at, not a queue. */
const DEAD_LETTER_MAX_LEN = 10_000;

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/**
 * Reads a stream in a consumer group: own pending entries first (after a failed batch or a restart), then new ones,
 * and from time to time entries left pending by consumers that died. Acknowledges after `handle` succeeds, so an
 * entry is processed at least once; handlers must be idempotent.
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
  private errors: ThrottledErrorLog | undefined;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly maxFailures: number;
  private readonly isTransient: (err: unknown) => boolean;
  /** Failures of entries applied on their own, by entry id (in memory: another consumer counts from zero). */
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: StreamGroupConsumerOptions<T>) {
    this.batchSize = options.batchSize ?? 100;
    this.blockMs = options.blockMs ?? 1000;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
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
    await this.ensureGroup();
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        await this.onError(err);
      }
    }
  }

  private async step(): Promise<void> {
    const { redis, stream, group, consumer } = this.options;
    if (Date.now() - this.lastClaimAt >= Math.min(this.claimIdleMs, 10_000)) {
      this.lastClaimAt = Date.now();
      await this.claimAbandoned();
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
      stream,
      from,
    );
    const entries = reply?.[0]?.[1] ?? [];
    if (from === '0' && entries.length === 0) {
      this.readPendingFirst = false;
      return;
    }
    await this.process(entries);
  }

  /** XAUTOCLAIM moves entries idle for claimIdleMs to this consumer; they are then read as our own pending. */
  private async claimAbandoned(): Promise<void> {
    const { redis, stream, group, consumer } = this.options;
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

  private async process(raw: RawEntry[]): Promise<void> {
    if (raw.length === 0) return;
    const good: DecodedEntry<T>[] = [];
    const malformed: DeadLetter[] = [];
    for (const [id, fields] of raw) {
      if (!fields) continue; // deleted entry still in the PEL: only acknowledged
      const value = messageField(fields);
      try {
        good.push({ id, message: this.options.decode(value), raw: value });
      } catch (err) {
        if (!(err instanceof MessageDecodeError)) throw err;
        malformed.push({ id, raw: value, error: err.message });
      }
    }
    const goodIds = new Set(good.map((e) => e.id));
    let refused: DeadLetter[];
    try {
      refused = await this.apply(good);
    } catch (err) {
      if (this.isTransient(err)) throw err;
      // The batch failed because of its data: settle the rest of the read, then find the culprit entry by entry.
      await this.settle(
        malformed,
        raw.map(([id]) => id).filter((id) => !goodIds.has(id)),
      );
      await this.applyOneByOne(good);
      return;
    }
    await this.settle(
      [...malformed, ...refused],
      raw.map(([id]) => id),
    );
  }

  /** Hands entries to `handle`; returns the ones it refused, ready for the dead-letter stream. */
  private async apply(entries: DecodedEntry<T>[]): Promise<DeadLetter[]> {
    if (entries.length === 0) return [];
    const refused = (await this.options.handle(entries.map(({ id, message }) => ({ id, message })))) ?? [];
    const rawById = new Map(entries.map((e) => [e.id, e.raw]));
    return refused.map((r) => ({ id: r.id, raw: rawById.get(r.id), error: r.reason }));
  }

  /**
   * Applies entries one at a time, in stream order, acknowledging each. An entry that fails (not transiently) stops
   * the pass, so later entries are not applied before it; it is counted, and dead-lettered at `maxFailures`.
   */
  private async applyOneByOne(entries: DecodedEntry<T>[]): Promise<void> {
    for (const entry of entries) {
      let refused: DeadLetter[];
      try {
        refused = await this.apply([entry]);
      } catch (err) {
        if (this.isTransient(err)) throw err;
        const failures = this.countFailure(entry.id);
        if (failures < this.maxFailures)
          throw new EntryApplyError(this.options.stream, entry.id, failures, this.maxFailures, err);
        this.failures.delete(entry.id);
        await this.settle(
          [{ id: entry.id, raw: entry.raw, error: `failed ${failures} times: ${errorMessage(err)}` }],
          [entry.id],
        );
        continue;
      }
      this.failures.delete(entry.id);
      await this.settle(refused, [entry.id]);
    }
  }

  private countFailure(id: string): number {
    const failures = (this.failures.get(id) ?? 0) + 1;
    this.failures.delete(id); // re-insert: Map order is the eviction order
    this.failures.set(id, failures);
    if (this.failures.size > MAX_COUNTED_ENTRIES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return failures;
  }

  /** Copies entries to the dead-letter stream (logging each once), then acknowledges `ackIds`. */
  private async settle(deadLetters: DeadLetter[], ackIds: string[]): Promise<void> {
    const { redis, stream, group, deadLetterStream, logger } = this.options;
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
          stream,
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
        logger.warn(`rejected entry ${d.id} of ${stream}: ${d.error}; moved to ${deadLetterStream}`);
    }
    if (ackIds.length > 0) await redis.xack(stream, group, ...ackIds);
  }

  private async ensureGroup(): Promise<void> {
    const { redis, stream, group } = this.options;
    try {
      // From 0: reports written while no server ran are processed too.
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  private async onError(err: unknown): Promise<void> {
    const message = errorMessage(err);
    this.readPendingFirst = true; // unacknowledged entries are retried from our pending list
    this.errors ??= new ThrottledErrorLog(this.options.logger);
    this.errors.error('read', `consumer of ${this.options.stream} failed, will retry`, err);
    if (message.includes('NOGROUP')) {
      // Redis lost the stream (restart without persistence): recreate the group.
      await this.ensureGroup().catch(() => undefined);
    }
    if (this.running) await new Promise((r) => setTimeout(r, 500));
  }
}

import type { Redis } from 'ioredis';
import { MessageDecodeError } from '@jobnest/common';
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
   * Persists a batch; entries are acknowledged only after it resolves. Throws on infrastructure errors only.
   * May return entries it refuses (well-formed but meaningless, e.g. naming an unknown instance): they go to
   * the dead-letter stream like malformed ones.
   */
  handle: (entries: StreamEntry<T>[]) => Promise<RejectedEntry[] | void>;
  /** Malformed entries are copied here, then acknowledged. */
  deadLetterStream: string;
  logger: ConsumerLogger;
  /** Entries read per call. (Default: 100) */
  batchSize?: number;
  /** How long one XREADGROUP blocks. (Default: 1000 ms) */
  blockMs?: number;
  /** Entries pending this long with another consumer are taken over. (Default: 30000 ms) */
  claimIdleMs?: number;
}

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/**
 * Reads a stream in a consumer group: own pending entries first (after a failed batch or a restart), then new ones,
 * and from time to time entries left pending by consumers that died. Acknowledges after `handle` succeeds, so an
 * entry is processed at least once; handlers must be idempotent.
 */
export class StreamGroupConsumer<T> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readPendingFirst = true;
  private lastClaimAt = 0;
  private lastErrorLogAt = 0;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;

  constructor(private readonly options: StreamGroupConsumerOptions<T>) {
    this.batchSize = options.batchSize ?? 100;
    this.blockMs = options.blockMs ?? 1000;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
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
    const reply = await xreadgroup('GROUP', group, consumer, 'COUNT', this.batchSize, ...block, 'STREAMS', stream, from);
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
    const { redis, stream, group, deadLetterStream, logger } = this.options;
    const good: StreamEntry<T>[] = [];
    const bad: { id: string; raw: string | undefined; error: string }[] = [];
    for (const [id, fields] of raw) {
      if (!fields) continue; // deleted entry still in the PEL
      const value = messageField(fields);
      try {
        good.push({ id, message: this.options.decode(value) });
      } catch (err) {
        if (!(err instanceof MessageDecodeError)) throw err;
        bad.push({ id, raw: value, error: err.message });
      }
    }
    if (good.length > 0) {
      const refused = (await this.options.handle(good)) ?? [];
      const rawById = new Map(raw.map(([id, fields]) => [id, fields ? messageField(fields) : undefined]));
      for (const r of refused) bad.push({ id: r.id, raw: rawById.get(r.id), error: r.reason });
    }
    if (bad.length > 0) {
      const pipeline = redis.pipeline();
      for (const b of bad) {
        logger.warn(`rejected entry ${b.id} of ${stream}: ${b.error}; moved to ${deadLetterStream}`);
        pipeline.xadd(deadLetterStream, 'MAXLEN', '~', 10_000, '*',
          'stream', stream, 'id', b.id, 'error', b.error, 'raw', (b.raw ?? '').slice(0, 65_536));
      }
      await pipeline.exec();
    }
    await redis.xack(stream, group, ...raw.map(([id]) => id));
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
    const message = err instanceof Error ? err.message : String(err);
    this.readPendingFirst = true; // unacknowledged entries are retried from our pending list
    if (Date.now() - this.lastErrorLogAt > 5000) {
      this.lastErrorLogAt = Date.now();
      this.options.logger.error(`consumer of ${this.options.stream} failed, will retry: ${message}`);
    }
    if (message.includes('NOGROUP')) {
      // Redis lost the stream (restart without persistence): recreate the group.
      await this.ensureGroup().catch(() => undefined);
    }
    if (this.running) await new Promise((r) => setTimeout(r, 500));
  }
}

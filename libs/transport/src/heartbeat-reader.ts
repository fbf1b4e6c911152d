import { errorMessage, type Heartbeat } from '@jobnest/common';
import type { Redis } from 'ioredis';
import { decodeHeartbeat, messageField } from './message-codec';

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** Entries per XREAD: a page of history, or what arrived during one block. */
const READ_COUNT = 1000;
/** How long one XREAD blocks once the history is read: also how often `afterRead` runs on a quiet stream. */
const BLOCK_MS = 1000;

export interface HeartbeatReaderOptions {
  /** A connection of the reader's own: XREAD BLOCK holds it. */
  connection: Redis;
  /** The heartbeat stream (`streamNames(prefix).heartbeats`). */
  stream: string;
  /** How far back the first read starts, in ms: the reader knows the fleet at once instead of after one heartbeat. */
  historyMs: number;
  /**
   * Each well-formed heartbeat, in stream order. `entryTime` is the entry id's time (the Redis clock, ms); `live` is
   * false while the history is read.
   */
  onHeartbeat(heartbeat: Heartbeat, entryTime: number, live: boolean): void;
  /** An entry that is not a heartbeat (nothing is acknowledged on this stream, so reporting it is all there is). */
  onMalformed(entryId: string, reason: string): void;
  /** Once, when the history is read (fewer than a page came back). */
  onCaughtUp?(): void;
  /** After every read, also an empty one (at least once per second): pruning and flushing. */
  afterRead?(): Promise<void> | void;
  /** A failed read (or a failed `afterRead`); the reader pauses `retryPauseMs` and reads on. */
  onError(err: unknown): void;
  /** Pause after a failure, in ms. (Default: 500) */
  retryPauseMs?: number;
}

/**
 * Reads every heartbeat of the stream with a plain XREAD (no consumer group: every server and every worker that
 * needs the fleet reads all of them), starting `historyMs` back. Used by the server's cluster view and the worker
 * SDK's directory of its fellow workers.
 */
export class HeartbeatReader {
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: HeartbeatReaderOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop: disconnects the reader's connection (which aborts a blocked XREAD) and waits for the loop. */
  async stop(): Promise<void> {
    this.running = false;
    this.options.connection.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const o = this.options;
    const xread = o.connection.xread.bind(o.connection) as unknown as (
      ...args: (string | number)[]
    ) => Promise<ReadReply>;
    let lastId = `${Date.now() - o.historyMs}-0`;
    let caughtUp = false;
    while (this.running) {
      try {
        const reply = caughtUp
          ? await xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', o.stream, lastId)
          : await xread('COUNT', READ_COUNT, 'STREAMS', o.stream, lastId);
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          lastId = id;
          this.deliver(id, fields, caughtUp);
        }
        if (!caughtUp && entries.length < READ_COUNT) {
          caughtUp = true;
          o.onCaughtUp?.();
        }
        await o.afterRead?.();
      } catch (err) {
        if (!this.running) break;
        o.onError(err);
        await new Promise((resolve) => setTimeout(resolve, o.retryPauseMs ?? 500));
      }
    }
  }

  private deliver(id: string, fields: string[], live: boolean): void {
    let heartbeat: Heartbeat;
    try {
      heartbeat = decodeHeartbeat(messageField(fields));
    } catch (err) {
      this.options.onMalformed(id, errorMessage(err));
      return;
    }
    this.options.onHeartbeat(heartbeat, Number(id.split('-')[0]), live);
  }
}

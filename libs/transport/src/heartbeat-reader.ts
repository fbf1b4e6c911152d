import { errorMessage, type Heartbeat } from '@jobnest/common';
import { decodeHeartbeat, messageField } from './message-codec';
import { NonStreamKeys } from './non-stream-keys';
import type { RedisClient } from './redis-connection';

type RawEntry = [id: string, fields: string[]];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** Entries per XREAD: a page of history, or what arrived during one block. */
const READ_COUNT = 1000;
/** How long one XREAD blocks once the history is read: also how often `afterRead` runs on a quiet stream. */
const BLOCK_MS = 1000;

export interface HeartbeatReaderOptions {
  /** A connection of the reader's own: XREAD BLOCK holds it. */
  connection: RedisClient;
  /**
   * The heartbeat streams (KeyLayout.appStreams(appId).heartbeats), asked before every read: read together by one
   * XREAD, so on a Redis Cluster they must share a hash tag. A stream listed later is read from `historyMs` back too.
   */
  streams: () => readonly string[];
  /** How far back the first read of a stream starts, in ms: the reader knows the fleet at once, not after a heartbeat. */
  historyMs: number;
  /**
   * Each well-formed heartbeat, in stream order. `entryTime` is the entry id's time (the Redis clock, ms); `live` is
   * false while the history of its stream is read.
   */
  onHeartbeat(heartbeat: Heartbeat, entryTime: number, live: boolean, stream: string): void;
  /** An entry that is not a heartbeat (nothing is acknowledged on this stream, so reporting it is all there is). */
  onMalformed(entryId: string, reason: string): void;
  /** Once, when the history of the first streams listed is read (fewer than a page came back). */
  onCaughtUp?(): void;
  /** After every read, also an empty one (at least once per second): pruning and flushing. */
  afterRead?(): Promise<void> | void;
  /** A failed read (or a failed `afterRead`); the reader pauses `retryPauseMs` and reads on. */
  onError(err: unknown): void;
  /** Pause after a failure, in ms. (Default: 500) */
  retryPauseMs?: number;
}

/** How long to wait before reading again while no stream is listed yet. */
const NO_STREAM_PAUSE_MS = 200;

/**
 * Reads every heartbeat of the streams with a plain XREAD (no consumer group: every server and every worker that
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
    /** Last id read per stream; a stream is in `catchingUp` until a read of it returns less than a page. */
    const lastIds = new Map<string, string>();
    const catchingUp = new Set<string>();
    const nonStreams = new NonStreamKeys();
    let toldCaughtUp = false;
    while (this.running) {
      try {
        const { streams, returned } = nonStreams.readable(o.streams());
        // Looked at again: read like a stream listed for the first time (its history, not as live).
        for (const stream of returned) lastIds.delete(stream);
        for (const stream of streams) {
          if (lastIds.has(stream)) continue;
          lastIds.set(stream, `${Date.now() - o.historyMs}-0`);
          catchingUp.add(stream);
        }
        if (streams.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, NO_STREAM_PAUSE_MS));
          continue;
        }
        const block = catchingUp.size > 0 ? [] : ['BLOCK', BLOCK_MS];
        const ids = streams.map((stream) => lastIds.get(stream) ?? '$');
        const reply = await xread('COUNT', READ_COUNT, ...block, 'STREAMS', ...streams, ...ids);
        const counts = new Map<string, number>();
        for (const [stream, entries] of reply ?? []) {
          const live = !catchingUp.has(stream);
          counts.set(stream, entries.length);
          for (const [id, fields] of entries) {
            lastIds.set(stream, id);
            this.deliver(stream, id, fields, live);
          }
        }
        for (const stream of [...catchingUp]) {
          if ((counts.get(stream) ?? 0) < READ_COUNT) catchingUp.delete(stream);
        }
        if (!toldCaughtUp && catchingUp.size === 0) {
          toldCaughtUp = true;
          o.onCaughtUp?.();
        }
        await o.afterRead?.();
      } catch (err) {
        if (!this.running) break;
        o.onError(err);
        if (errorMessage(err).includes('WRONGTYPE')) {
          // Not read meanwhile: a set-aside key must not keep the other streams from blocking.
          for (const { key } of await nonStreams.findAmong(o.connection, o.streams())) catchingUp.delete(key);
        }
        await new Promise((resolve) => setTimeout(resolve, o.retryPauseMs ?? 500));
      }
    }
  }

  private deliver(stream: string, id: string, fields: string[], live: boolean): void {
    let heartbeat: Heartbeat;
    try {
      heartbeat = decodeHeartbeat(messageField(fields));
    } catch (err) {
      this.options.onMalformed(id, errorMessage(err));
      return;
    }
    this.options.onHeartbeat(heartbeat, Number(id.split('-')[0]), live, stream);
  }
}

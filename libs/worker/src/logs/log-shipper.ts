import { Injectable, Logger } from '@nestjs/common';
import type { LogBatch, LogLine } from '@jobnest/common';
import { streamNames } from '@jobnest/transport';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';
import { RepeatingTimer } from '../util/repeating-timer';
import { ThrottledErrorLog } from '../util/throttled-error-log';

/** A full batch leaves at once instead of waiting for the timer. */
const FLUSH_AT_LINES = 100;
/** Upper bound of one LogBatch entry (lines buffered during an outage leave in several entries). */
const MAX_LINES_PER_ENTRY = 1000;
/** Lines kept while Redis is unreachable; the oldest are dropped beyond this. */
const MAX_BUFFERED_LINES = 50_000;
/** One processor line is cut to this many characters. */
const MAX_MESSAGE_LENGTH = 16_384;

/**
 * Buffers processor log lines and ships them to the `logs` stream as one LogBatch entry per flush. One flush at a
 * time, so lines reach the stream in the order they were written.
 */
@Injectable()
export class LogShipper {
  private readonly logger = new Logger('JobnestWorker');
  private readonly errors = new ThrottledErrorLog(this.logger);
  private buffer: LogLine[] = [];
  private flushing: Promise<void> | undefined;
  private timer: RepeatingTimer | undefined;
  private dropped = 0;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  start(): void {
    this.timer = new RepeatingTimer(this.config.options.logFlushIntervalMs, () => this.flush());
    this.timer.start();
  }

  /** Stops the timer and ships what is buffered, once (unless `flush` is false). */
  async stop(flush = true): Promise<void> {
    this.timer?.stop();
    this.timer = undefined;
    if (flush) await this.flush();
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  push(line: LogLine): void {
    if (line.message.length > MAX_MESSAGE_LENGTH) {
      line = { ...line, message: `${line.message.slice(0, MAX_MESSAGE_LENGTH)}... (truncated)` };
    }
    this.buffer.push(line);
    if (this.buffer.length > MAX_BUFFERED_LINES) {
      this.dropped += this.buffer.length - MAX_BUFFERED_LINES;
      this.buffer.splice(0, this.buffer.length - MAX_BUFFERED_LINES);
    }
    // A flush in flight keeps shipping until the buffer is empty, so it picks these lines up too.
    if (this.buffer.length >= FLUSH_AT_LINES && this.timer && !this.flushing) void this.flush();
  }

  /**
   * Ships the buffered lines. When no flush is in flight, the XADD is issued before this returns its promise: a
   * status report sent right after on the same connection lands after the instance's last log lines.
   */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = this.ship().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async ship(): Promise<void> {
    while (this.buffer.length > 0) {
      const lines = this.buffer.splice(0, MAX_LINES_PER_ENTRY);
      const batch: LogBatch = { kind: 'LogBatch', workerId: this.config.options.workerId, lines };
      try {
        await this.redis.producer.add(streamNames(this.config.options.prefix).logs, batch);
      } catch (err) {
        this.buffer.unshift(...lines); // kept for the next flush
        this.errors.error('logs', `shipping ${lines.length} log lines failed, will retry`, err);
        return;
      }
      if (this.dropped > 0) {
        this.logger.warn(`dropped ${this.dropped} processor log lines buffered while Redis was unreachable`);
        this.dropped = 0;
      }
    }
  }
}

import { ThrottledErrorLog } from '@jobnest/common';
import { Injectable } from '@nestjs/common';
import type { LogBatch, LogLine } from '@jobnest/common';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';
import { RepeatingTimer } from '../util/repeating-timer';
import { WorkerLogger } from '../util/worker-logger';
import { LogBuffer } from './log-buffer';
import type { TaskLogSink } from './task-logger';

/** A full batch leaves at once instead of waiting for the timer. */
const FLUSH_AT_LINES = 100;
/** Upper bound of one LogBatch entry (lines buffered during an outage leave in several entries). */
const MAX_LINES_PER_ENTRY = 1000;

/**
 * Buffers processor log lines and ships them to the `logs` stream as one LogBatch entry per flush. One flush at a
 * time, so lines reach the stream in the order they were written. The buffer holds at most `logBufferMaxBytes`:
 * while Redis is unreachable, later lines are dropped and counted (see LogBuffer).
 */
@Injectable()
export class LogShipper implements TaskLogSink {
  private readonly logger = new WorkerLogger(LogShipper.name, () => this.config.knownWorkerId);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private bufferOfOptions: LogBuffer | undefined;
  private flushing: Promise<void> | undefined;
  private timer: RepeatingTimer | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  /** Made on first use: the options are validated after the providers are built. */
  private get buffer(): LogBuffer {
    this.bufferOfOptions ??= new LogBuffer(this.config.options.logBufferMaxBytes);
    return this.bufferOfOptions;
  }

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

  /** The worker whose lines these are. */
  get workerId(): string {
    return this.config.options.workerId;
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  push(line: LogLine): void {
    if (this.buffer.push(line) === 'dropping-started') {
      this.logger.warn(
        `log buffer full (${this.buffer.byteSize} of ${this.buffer.maxBytes} bytes): processor log lines are dropped until a shipment to Redis succeeds`,
      );
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
    if (this.buffer.length === 0 && this.buffer.droppedCount === 0) return Promise.resolve();
    this.flushing = this.ship().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async ship(): Promise<void> {
    for (;;) {
      if (this.buffer.length > 0) {
        const lines = this.buffer.take(MAX_LINES_PER_ENTRY);
        const batch: LogBatch = { kind: 'LogBatch', workerId: this.config.options.workerId, lines };
        try {
          await this.redis.producer.add(this.redis.streams.logs, batch);
        } catch (err) {
          this.buffer.putBack(lines); // kept for the next flush
          this.errors.error('logs', `shipping ${lines.length} log lines failed, will retry`, err);
          return;
        }
      }
      // Redis took a shipment (or nothing was left to ship): the lines dropped meanwhile get their marker lines.
      const dropped = this.buffer.endDropBurst(Date.now());
      if (dropped > 0) {
        this.logger.warn(
          `dropped ${dropped} processor log lines while the log buffer was full; their instances' logs say so`,
        );
      }
      if (this.buffer.length === 0) return;
    }
  }
}

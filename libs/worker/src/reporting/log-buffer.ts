import { LogLevel, type LogLine } from '@jobnest/common';
import { limitLogMessage } from './log-message-limit';

/** What a buffered line costs beyond its message (object, level, times), so a flood of empty lines is bounded too. */
export const LINE_OVERHEAD_BYTES = 100;

/** `dropping-started`: the first line dropped since the last successful shipment (warn once per burst). */
export type LogPushOutcome = 'buffered' | 'dropped' | 'dropping-started';

/** Bytes a line counts for in the buffer: the UTF-8 size of its message plus LINE_OVERHEAD_BYTES. */
export function logLineBytes(line: LogLine): number {
  return Buffer.byteLength(line.message, 'utf8') + LINE_OVERHEAD_BYTES;
}

/**
 * Log lines waiting to be shipped, bounded in bytes. When a line does not fit, it and every later line are dropped
 * (counted per instance) until a shipment succeeds; then each instance that lost lines gets one line
 * "N log lines dropped ..." at the place of the gap, so its online log shows where lines are missing.
 */
export class LogBuffer {
  private lines: LogLine[] = [];
  private bytes = 0;
  private readonly droppedByInstance = new Map<number, number>();
  private droppedInBurst = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new RangeError(`maxBytes must be a positive whole number (got ${maxBytes})`);
  }

  get length(): number {
    return this.lines.length;
  }

  /** Bytes the buffered lines count for (see logLineBytes). */
  get byteSize(): number {
    return this.bytes;
  }

  /** Lines dropped since the last successful shipment. */
  get droppedCount(): number {
    return this.droppedInBurst;
  }

  push(line: LogLine): LogPushOutcome {
    const message = limitLogMessage(line.message);
    const limited = message === line.message ? line : { ...line, message };
    const size = logLineBytes(limited);
    // Once dropping, keep dropping until a shipment succeeds: the gap stays in one place, where its marker goes.
    if (this.droppedInBurst > 0 || this.bytes + size > this.maxBytes) {
      this.droppedInBurst++;
      this.droppedByInstance.set(line.instanceId, (this.droppedByInstance.get(line.instanceId) ?? 0) + 1);
      return this.droppedInBurst === 1 ? 'dropping-started' : 'dropped';
    }
    this.lines.push(limited);
    this.bytes += size;
    return 'buffered';
  }

  /** Takes up to `max` lines from the front, for one shipment. */
  take(max: number): LogLine[] {
    const taken = this.lines.splice(0, max);
    for (const line of taken) this.bytes -= logLineBytes(line);
    return taken;
  }

  /** Puts back, in front, the lines of a shipment that failed (they were counted before, so the bound holds). */
  putBack(lines: LogLine[]): void {
    this.lines.unshift(...lines);
    for (const line of lines) this.bytes += logLineBytes(line);
  }

  /**
   * Called after a successful shipment: ends a drop burst by appending one marker line per instance that lost
   * lines (a few hundred bytes, allowed past the bound). Returns how many lines the burst dropped (0: none).
   */
  endDropBurst(now: number): number {
    const dropped = this.droppedInBurst;
    if (dropped === 0) return 0;
    for (const [instanceId, count] of this.droppedByInstance) {
      const marker: LogLine = {
        instanceId,
        time: now,
        level: LogLevel.WARN,
        message: `${count} log lines dropped (the worker's log buffer of ${this.maxBytes} bytes was full)`,
      };
      this.lines.push(marker);
      this.bytes += logLineBytes(marker);
    }
    this.droppedByInstance.clear();
    this.droppedInBurst = 0;
    return dropped;
  }
}

import { errorMessage } from './error-message';

/** Where the lines go (a Nest Logger fits). */
export interface ErrorLineLogger {
  error(message: string): void;
}

/**
 * Logs the failures of a background loop at most once per `intervalMs` per key: during a Redis outage every loop
 * fails on each tick, and one line every few seconds says enough.
 */
export class ThrottledErrorLog {
  private readonly lastLoggedAt = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly logger: ErrorLineLogger,
    private readonly intervalMs = 5000,
  ) {}

  /** `key` groups failures of one kind (one loop or one step); `what` says what failed. */
  error(key: string, what: string, err: unknown): void {
    const now = Date.now();
    if (now - (this.lastLoggedAt.get(key) ?? 0) < this.intervalMs) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    const skipped = this.suppressed.get(key) ?? 0;
    this.lastLoggedAt.set(key, now);
    this.suppressed.delete(key);
    const message = errorMessage(err);
    this.logger.error(`${what}: ${message}${skipped > 0 ? ` (${skipped} similar errors not shown)` : ''}`);
  }
}

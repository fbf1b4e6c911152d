/**
 * Runs `tick` every `intervalMs`, the next run scheduled only after the previous one settled, so a slow Redis
 * never piles up overlapping ticks. `tick` must not throw (catch and log inside).
 */
export class RepeatingTimer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.intervalMs);
    // Background loops must not keep the process alive on their own.
    this.timer.unref();
  }
}

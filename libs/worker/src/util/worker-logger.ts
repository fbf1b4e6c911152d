import { Logger } from '@nestjs/common';

/**
 * The SDK's log convention: every class logs under a context of its own, `<ClassName> <workerId>` (for example
 * `[ProcessorTracker demo-worker-1]`), so the lines of several workers in one log, or of a host app, tell apart
 * which part of which worker wrote them. Nest providers are built before the options are resolved: they pass a
 * function, and the context names the worker from the first line written once its id is known.
 */
export class WorkerLogger {
  private logger: Logger | undefined;

  constructor(
    private readonly owner: string,
    private readonly workerId: string | (() => string | undefined),
  ) {}

  log(message: string): void {
    this.target().log(message);
  }

  warn(message: string): void {
    this.target().warn(message);
  }

  error(message: string): void {
    this.target().error(message);
  }

  debug(message: string): void {
    this.target().debug(message);
  }

  private target(): Logger {
    if (this.logger) return this.logger;
    const id = typeof this.workerId === 'string' ? this.workerId : this.workerId();
    // Before the options are resolved (a boot error) the line still goes out, under the class name alone.
    if (id === undefined) return new Logger(this.owner);
    this.logger = new Logger(`${this.owner} ${id}`);
    return this.logger;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const running = new Set<ChildProcess>();
// Last resort (the bench itself crashes): nothing it started outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A server, worker or baseline process started by the bench; its output is kept for error messages. */
export class ManagedProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly echo: boolean,
  ) {
    running.add(child);
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
      if (this.echo) process.stderr.write(`[${name}] ${chunk.toString()}`);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = once(child, 'exit').then(([code]) => {
      running.delete(child);
      return code as number | null;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get logs(): string {
    return this.output;
  }

  /** Resolves when `pattern` appears in the output; rejects if the process exits first or on timeout. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.output)) {
      if (!this.alive) {
        throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.output.slice(-4000)}`);
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { echo: boolean; nodeArgs?: string[] },
): ManagedProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(name, child, options.echo);
}

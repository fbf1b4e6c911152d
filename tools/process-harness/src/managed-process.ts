import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const running = new Set<ChildProcess>();
// Last resort (the test run or the bench itself crashes): nothing it started outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A real server, worker or baseline process started by the tests or the bench; its output is kept for failure
 * messages.
 */
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
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.output)) {
      if (!this.alive) {
        throw new Error(
          `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.output.slice(-4000)}`,
        );
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends `signal` while the process lives. (Default: SIGKILL) */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
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

export interface StartOptions {
  /** Echo the output to stderr, prefixed with the name. (Default: false) */
  echo?: boolean;
  /** Node flags before the script (e.g. a --require preload). (Default: none) */
  nodeArgs?: string[];
  /** Working directory. (Default: this process's) */
  cwd?: string;
}

/** Starts `node <nodeArgs> <script>` with `env` over this process's environment (and NO_COLOR). */
export function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  options: StartOptions = {},
): ManagedProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(name, child, options.echo ?? false);
}

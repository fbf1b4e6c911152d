import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster';

/** The built CLI (`jobnest`). */
export const CLI = join(REPO_ROOT, 'libs', 'client', 'dist', 'cli.js');

/** How a CLI process ended and what it printed. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node cli.js <args>` to its end, with `input` (Default: nothing) on its stdin; killed and rejected past `timeoutMs`. */
export function runCliProcess(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  input?: string,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jobnest ${args.join(' ')} ran past ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

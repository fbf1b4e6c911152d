import { startProcess as start, type ManagedProcess } from '../../../tools/process-harness/dist/managed-process';

export type { ManagedProcess };

/** A real server or worker process for a test; `JOBNEST_TEST_VERBOSE=1` echoes its output. */
export function startProcess(name: string, script: string, env: Record<string, string>, cwd?: string): ManagedProcess {
  return start(name, script, env, { cwd, echo: Boolean(process.env.JOBNEST_TEST_VERBOSE) });
}

/**
 * The exit code of a process expected to stop by itself (a refused boot): a regression that keeps it running fails
 * the test after `timeoutMs` (the process is killed) instead of hanging the suite.
 */
export async function exitCodeWithin(proc: ManagedProcess, timeoutMs = 30_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `${proc.name} was expected to exit by itself within ${timeoutMs} ms, but it still ran:\n${proc.logs.slice(-2000)}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([proc.exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

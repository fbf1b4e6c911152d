import { startProcess as start, type ManagedProcess } from '../../../tools/process-harness/dist/managed-process';

export type { ManagedProcess };

/** A real server or worker process for a test; `JOBNEST_TEST_VERBOSE=1` echoes its output. */
export function startProcess(name: string, script: string, env: Record<string, string>, cwd?: string): ManagedProcess {
  return start(name, script, env, { cwd, echo: Boolean(process.env.JOBNEST_TEST_VERBOSE) });
}

import { JobnestApiError } from '../errors';
import type { CliOutput } from './output';
import { UsageError } from './usage-error';

/** Prints `jobnest: <message>` for a failure and returns the exit code (2 for usage errors, else 1). */
export function reportError(err: unknown, out: CliOutput, debug: boolean): number {
  if (err instanceof UsageError) {
    out.stderr(`jobnest: ${err.message}`);
    out.stderr("Run 'jobnest --help' for usage.");
    return 2;
  }
  if (err instanceof JobnestApiError) {
    out.stderr(`jobnest: ${err.message} (${err.status} ${err.error}, ${err.method} ${err.path})`);
  } else {
    out.stderr(`jobnest: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (debug && err instanceof Error && err.stack) out.stderr(err.stack);
  return 1;
}

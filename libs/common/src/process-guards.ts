/** Where the guards write; standard error by default (synchronous for files and pipes on Linux, so a dying process still says why). */
export type GuardLogSink = (line: string) => void;

/** Unhandled rejections logged per minute at most; the rest are counted and reported with the next one logged. */
const REJECTION_LOGS_PER_MINUTE = 20;

let installed = false;

/**
 * The hosts' (server, ready-to-run worker) policy for errors nobody caught, installed once at process start:
 *
 * - `uncaughtException`: log it and exit with code 1, at once. A synchronous throw unwound a stack half-way through
 *   some update, so the process state is unknown (Node's own advice); a supervisor starts a clean process. Exiting
 *   at once is what SIGKILL does, which Jobnest is built for: reports wait in the streams, the reconciler retries or
 *   hands over the runs of a worker that stops heartbeating, another server takes the lease.
 * - `unhandledRejection`: log it (with its stack, at most 20 a minute) and keep running. A promise nobody awaited
 *   failed, and its work ended there; the process is otherwise intact. Node 20 would exit instead, so one missed
 *   `.catch` on a path that fails during a Redis or MySQL outage would restart every server and worker at the same
 *   moment, turning a short outage into lost runs.
 *
 * Not installed by the SDK (`@jobnest/worker`): a library does not decide for the app that embeds it.
 */
export function installProcessGuards(
  processName: string,
  log: GuardLogSink = (line) => process.stderr.write(`${line}\n`),
): void {
  if (installed) return;
  installed = true;
  let windowStart = 0;
  let loggedInWindow = 0;
  let suppressed = 0;

  process.on('unhandledRejection', (reason: unknown) => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      loggedInWindow = 0;
    }
    if (loggedInWindow >= REJECTION_LOGS_PER_MINUTE) {
      suppressed++;
      return;
    }
    loggedInWindow++;
    const more = suppressed > 0 ? ` (${suppressed} more were not logged)` : '';
    suppressed = 0;
    log(`${processName}: unhandled promise rejection, kept running${more}: ${describe(reason)}`);
  });

  process.on('uncaughtException', (err: Error, origin: string) => {
    try {
      log(
        `${processName}: ${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'}, exiting with code 1: ${describe(err)}`,
      );
    } finally {
      process.exit(1);
    }
  });
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  try {
    return typeof reason === 'string' ? reason : (JSON.stringify(reason) ?? String(reason));
  } catch {
    return String(reason);
  }
}

import { longTimeout } from '@jobnest/common';
import type { TaskContext } from '@jobnest/worker';

/** Parameters of a run: the instance's when given, else the job's. */
export function taskParams(ctx: TaskContext): string | null {
  return ctx.instanceParams ?? ctx.jobParams;
}

/** Resolves after `ms` (any length: the params may ask for more than setTimeout's 2^31-1), or rejects with `signal.reason` as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      timer.clear();
      reject(signal.reason);
    };
    const timer = longTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A whole number >= 0 from the params, `fallback` when there are none. */
export function countParam(ctx: TaskContext, fallback: number, what: string): number {
  const raw = taskParams(ctx)?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${what} must be a whole number (got '${raw}')`);
  return Number(raw);
}

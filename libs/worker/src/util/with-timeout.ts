import { longTimeout, type LongTimeoutHandle } from '@jobnest/common';

/**
 * Resolves with `promise`, or rejects after `ms` so a shutdown step stuck on an unreachable Redis cannot hang.
 * longTimeout: a caller's `ms` past 2^31-1 must not turn into an immediate timeout.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: LongTimeoutHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = longTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer?.clear();
  }
}

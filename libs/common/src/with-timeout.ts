import { longTimeout, type LongTimeoutHandle } from './long-timeout';

/**
 * Resolves with `promise`, or rejects after `ms` (`<what> did not finish within <ms> ms`), so a step stuck on an
 * unreachable Redis or MySQL cannot hang its caller. The promise itself is not cancelled. longTimeout: a caller's
 * `ms` past 2^31-1 must not turn into an immediate timeout.
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

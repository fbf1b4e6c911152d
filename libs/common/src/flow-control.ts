/** What a timer slot does when it comes while an earlier instance of its job is still unfinished. */
export enum OverlapPolicy {
  /** The slot is skipped and counted in `skippedSlots`. */
  SKIP = 'SKIP',
  /** The slot's instance waits and starts when the running ones end; while one waits, further slots are skipped. */
  BUFFER_ONE = 'BUFFER_ONE',
  /** Every slot's instance waits, in order, up to the job's `overlapBufferLimit`; slots past it are skipped. */
  BUFFER_ALL = 'BUFFER_ALL',
  /** The unfinished instances are stopped and the slot's instance starts. */
  CANCEL_OTHER = 'CANCEL_OTHER',
  /** The slot starts beside the unfinished instances (up to maxInstances when set). */
  ALLOW_ALL = 'ALLOW_ALL',
}

/** What holds a WAITING_DISPATCH instance back from dispatch (null on the instance: nothing does). */
export enum HoldReason {
  /** Its concurrency key has `concurrencyLimit` instances running, or earlier instances of the key wait first. */
  CONCURRENCY = 'CONCURRENCY',
  /** Its job (or concurrency key) started `rateLimit` instances in the last `ratePeriodMs`. */
  RATE_LIMIT = 'RATE_LIMIT',
  /** A buffered timer slot (BUFFER_ONE, BUFFER_ALL) waiting for the running instances of its job to end. */
  OVERLAP = 'OVERLAP',
}

/** Longest concurrency key, in characters (a longer value found in the params is cut to this). */
export const MAX_CONCURRENCY_KEY_LENGTH = 255;

/** A key path: names separated by dots, each letters, digits, `_` or `-` (e.g. `customer.id`). */
export const CONCURRENCY_KEY_PATH_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * The concurrency key an instance's params give for `path`: the string or number found there in the params' JSON
 * object, else '' (no params, params that are not a JSON object, a missing field, or a value of another type: all
 * such instances share the key '').
 */
export function concurrencyKeyFromParams(path: string, instanceParams: string | null): string {
  if (instanceParams === null) return '';
  let value: unknown;
  try {
    value = JSON.parse(instanceParams);
  } catch {
    return '';
  }
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
    value = (value as Record<string, unknown>)[name];
  }
  if (typeof value === 'string') return value.slice(0, MAX_CONCURRENCY_KEY_LENGTH);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

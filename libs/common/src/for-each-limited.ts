/**
 * Calls `fn` on every item, at most `limit` calls in flight at once, and resolves when all are done (rejects with
 * the first error, after the calls in flight have settled their turn). For I/O that may overlap but must not flood
 * a pool: a batch of statements over a connection pool, a fan-out of dispatches.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

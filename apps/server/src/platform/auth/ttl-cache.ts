/** One remembered value and when it was read. */
interface Entry<V> {
  value: V;
  readAt: number;
}

/**
 * A small map whose entries are trusted for `ttlMs`, then read again; past `maxEntries` the oldest goes. The
 * credential caches use it so a request costs no query while a change made on another server shows within `ttlMs`.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value while fresh, else `read(key)`'s (remembered, undefined included). */
  async get(key: K, read: (key: K) => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.readAt < this.ttlMs) return cached.value;
    const value = await read(key);
    this.set(key, value);
    return value;
  }

  /** Remembers `value` now: this server's own change must never be served stale. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, readAt: Date.now() });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}

/** One remembered value and when its read started. */
interface Entry<V> {
  value: V;
  readAt: number;
}

/**
 * A small map whose entries are trusted for `ttlMs` from the moment their read started, then read again; past
 * `maxEntries` the oldest goes. The credential caches use it so a request costs no query while a change made on
 * another server shows within `ttlMs`, and one made on this server at once.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /** Counts this server's changes (set or delete); a key's entry says at which count it last changed. */
  private changes = 0;
  /** A read that started before its key's last change must not be remembered. */
  private readonly changedAt = new Map<K, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value while fresh, else `read(key)`'s (remembered, undefined included). */
  async get(key: K, read: (key: K) => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    const now = Date.now();
    if (cached && now - cached.readAt < this.ttlMs) return cached.value;
    const changesBefore = this.changes;
    const value = await read(key);
    // A change on this server while the read ran (a revoked grant) wins over what the read saw.
    if ((this.changedAt.get(key) ?? 0) <= changesBefore) this.remember(this.entries, key, { value, readAt: now });
    return value;
  }

  /** Remembers `value` now: this server's own change must never be served stale. */
  set(key: K, value: V): void {
    this.markChanged(key);
    this.remember(this.entries, key, { value, readAt: Date.now() });
  }

  /** Forgets the key: the next get reads it again. */
  delete(key: K): void {
    this.markChanged(key);
    this.entries.delete(key);
  }

  private markChanged(key: K): void {
    this.remember(this.changedAt, key, ++this.changes);
  }

  /** Sets a map entry as the newest, dropping the oldest past `maxEntries`. */
  private remember<T>(map: Map<K, T>, key: K, value: T): void {
    map.delete(key);
    if (map.size >= this.maxEntries) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, value);
  }
}

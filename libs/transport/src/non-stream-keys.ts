import type { RedisClient } from './redis-connection';

/** A key set aside is looked at again after this long. */
const SET_ASIDE_MS = 60_000;

/**
 * Listed keys that are not streams (a string written where a stream belongs), for the readers that name many
 * streams in one command: one such key makes Redis refuse the whole read (WRONGTYPE), every app's. After a WRONGTYPE
 * a reader finds them (`findAmong`) and leaves them out (`readable`) for SET_ASIDE_MS; then each is tried again
 * (deleted, or a stream again, it is read; still not, it is found and set aside once more).
 */
export class NonStreamKeys {
  private readonly setAside = new Map<string, number>();

  /** The listed keys to read now, and those whose time out is over (`returned`: read them as newly listed). */
  readable(listed: readonly string[], now = Date.now()): { streams: string[]; returned: string[] } {
    const streams: string[] = [];
    const returned: string[] = [];
    for (const key of listed) {
      const at = this.setAside.get(key);
      if (at !== undefined && now - at < SET_ASIDE_MS) continue;
      if (at !== undefined) {
        this.setAside.delete(key);
        returned.push(key);
      }
      streams.push(key);
    }
    return { streams, returned };
  }

  /**
   * Sets aside the keys of `listed` that exist and are not streams (a TYPE each; a key whose TYPE fails is skipped);
   * returns them with their type. Keys already set aside are not looked at again, nor returned.
   */
  async findAmong(redis: RedisClient, listed: readonly string[]): Promise<{ key: string; type: string }[]> {
    const found: { key: string; type: string }[] = [];
    const now = Date.now();
    for (const key of listed) {
      const at = this.setAside.get(key);
      if (at !== undefined && now - at < SET_ASIDE_MS) continue;
      const type = String(await redis.type(key).catch(() => 'none'));
      if (type === 'stream' || type === 'none') continue;
      this.setAside.set(key, Date.now());
      found.push({ key, type });
    }
    return found;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '@jobnest/server/internal';

/** A read the test finishes when it wants, to interleave it with changes. */
function deferredRead<V>(): { read: () => Promise<V>; finish: (value: V) => void; calls: () => number } {
  let calls = 0;
  let finish: (value: V) => void = () => undefined;
  return {
    read: () => {
      calls++;
      return new Promise<V>((resolve) => (finish = resolve));
    },
    finish: (value) => finish(value),
    calls: () => calls,
  };
}

describe('TtlCache (credential caches)', () => {
  it('serves a value for ttlMs, then reads again', async () => {
    const cache = new TtlCache<string, number>(40);
    let reads = 0;
    const read = async () => ++reads;
    assert.equal(await cache.get('a', read), 1);
    assert.equal(await cache.get('a', read), 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await cache.get('a', read), 2);
  });

  it('does not remember a read that was running when this server changed the key (a revoked grant stays revoked)', async () => {
    const cache = new TtlCache<string, string>(60_000);
    const slow = deferredRead<string>();
    const pending = cache.get('alice', slow.read);
    await new Promise((r) => setTimeout(r, 2));
    cache.delete('alice'); // the grant is revoked while the old grants are being read
    slow.finish('OPERATOR');
    assert.equal(await pending, 'OPERATOR', 'the request that started before the change sees the old value');
    const fresh = deferredRead<string>();
    const next = cache.get('alice', fresh.read);
    assert.equal(fresh.calls(), 1, 'the next request reads again instead of using the stale value');
    fresh.finish('none');
    assert.equal(await next, 'none');
    assert.equal(await cache.get('alice', async () => 'unused'), 'none', 'and that read is remembered');
  });

  it("keeps this server's own set over a read that started before it", async () => {
    const cache = new TtlCache<number, number | undefined>(60_000);
    const slow = deferredRead<number | undefined>();
    const pending = cache.get(7, slow.read);
    await new Promise((r) => setTimeout(r, 2));
    cache.set(7, 3); // the password changed here: version 3
    slow.finish(2);
    await pending;
    assert.equal(await cache.get(7, async () => 99), 3);
  });

  it('drops the oldest entry past maxEntries', async () => {
    const cache = new TtlCache<number, number>(60_000, 2);
    await cache.get(1, async () => 1);
    await cache.get(2, async () => 2);
    await cache.get(3, async () => 3);
    let reread = false;
    await cache.get(1, async () => {
      reread = true;
      return 1;
    });
    assert.ok(reread, 'entry 1 was dropped');
    assert.equal(await cache.get(3, async () => 0), 3);
  });
});

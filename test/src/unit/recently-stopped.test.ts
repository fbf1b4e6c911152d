import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Internal to the SDK (not exported from its index): the one memory of stopped instances.
import { RecentlyStopped } from '@jobnest/worker/internal';

describe('RecentlyStopped', () => {
  it('remembers a stop for its TTL (10 minutes by default)', () => {
    const stops = new RecentlyStopped();
    stops.remember(1, 'user', 1000);
    assert.equal(stops.has(1, 1000 + 600_000), true);
    assert.equal(stops.has(1, 1000 + 600_001), false);
    assert.equal(stops.has(2, 1000), false);
  });

  it('refuses a run dispatched before the stop, not a retry dispatched after it', () => {
    const stops = new RecentlyStopped({ ttlMs: 100 });
    stops.remember(1, 'by the user', 50);
    assert.equal(stops.stopReasonFor(1, 40, 60), 'by the user');
    assert.equal(stops.stopReasonFor(1, 50, 60), 'by the user');
    assert.equal(stops.stopReasonFor(1, 51, 60), undefined);
    assert.equal(stops.stopReasonFor(1, 40, 151), undefined, 'forgotten after the TTL');
  });

  it('forgets the oldest stop beyond maxEntries; remembering again makes it the newest', () => {
    const stops = new RecentlyStopped({ maxEntries: 2 });
    stops.remember(1, 'a', 0);
    stops.remember(2, 'b', 1);
    stops.remember(1, 'a again', 2);
    stops.remember(3, 'c', 3);
    assert.equal(stops.has(2, 3), false);
    assert.equal(stops.has(1, 3), true);
    assert.equal(stops.has(3, 3), true);
  });
});

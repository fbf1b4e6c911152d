import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concurrencyKeyFromParams, HoldReason, OverlapPolicy } from '@jobnest/common';
import {
  AdmissionBook,
  decideSlot,
  heldUntilSlot,
  type KeyState,
  type SlotContext,
  type TriggerHold,
} from '@jobnest/server/internal';

const NOW = 100_000;
const limits = (over: Partial<{ concurrencyLimit: number; rateLimit: number; ratePeriodMs: number }> = {}) => ({
  concurrencyLimit: 0,
  rateLimit: 0,
  ratePeriodMs: 1000,
  ...over,
});
const state = (entries: Record<string, Partial<KeyState>>): Map<string, KeyState> =>
  new Map(Object.entries(entries).map(([k, s]) => [k, { running: 0, waiting: 0, recentStarts: [], ...s }]));

describe('AdmissionBook', () => {
  it('lets instances of a key through up to its concurrency limit, each key on its own', () => {
    const book = new AdmissionBook(limits({ concurrencyLimit: 2 }), NOW, state({ a: { running: 1 } }), 1);
    assert.equal(book.admitNew('a').admitted, true);
    const third = book.admitNew('a');
    assert.equal(third.admitted, false);
    assert.ok(!third.admitted && third.heldBy === HoldReason.CONCURRENCY);
    assert.ok(!third.admitted && /'a' has 2 of 2 instances running/.test(third.reason));
    assert.equal(book.admitNew('b').admitted, true, 'another key is not held by a busy one');
    assert.equal(book.admitNew('b').admitted, true);
    assert.equal(book.admitNew('b').admitted, false);
  });

  it('keeps a new instance behind the waiting ones of its key, in order', () => {
    const book = new AdmissionBook(limits({ concurrencyLimit: 5 }), NOW, state({ a: { running: 0, waiting: 2 } }), 0);
    const next = book.admitNew('a');
    assert.ok(!next.admitted && /waiting behind 2 earlier instance/.test(next.reason));
    assert.equal(book.admitWaiting('a', HoldReason.CONCURRENCY).admitted, true, 'the waiting ones go first');
  });

  it('counts starts in a sliding window and says when the next one fits', () => {
    const starts = [NOW - 1500, NOW - 900, NOW - 400, NOW - 100];
    const book = new AdmissionBook(limits({ rateLimit: 3 }), NOW, state({ '': { recentStarts: starts } }), 0);
    const held = book.admitNew('');
    assert.ok(!held.admitted && held.heldBy === HoldReason.RATE_LIMIT);
    // Three starts within 1000 ms (the one 1500 ms ago is out): the oldest of them leaves at NOW - 900 + 1000.
    assert.ok(!held.admitted && held.wakeAt === NOW + 101, JSON.stringify(held));
    const roomy = new AdmissionBook(limits({ rateLimit: 4 }), NOW, state({ '': { recentStarts: starts } }), 0);
    assert.equal(roomy.admitNew('').admitted, true);
    assert.equal(roomy.admitNew('').admitted, false, 'the admitted one counts in the window');
  });

  it('names the keys a release need not read, and when a rate-held key gets room', () => {
    const book = new AdmissionBook(
      limits({ concurrencyLimit: 1, rateLimit: 2 }),
      NOW,
      state({
        busy: { running: 1, waiting: 3 },
        free: { running: 0, waiting: 2 },
        idle: { running: 0, waiting: 0 },
        rated: { running: 0, waiting: 1, recentStarts: [NOW - 700, NOW - 200] },
      }),
      1,
    );
    assert.deepEqual(book.keysWithoutRoom(), ['busy', 'rated']);
    assert.equal(book.nextRoomAt(book.keysWithoutRoom()), NOW - 700 + 1000 + 1);
    assert.equal(book.nextRoomAt(['busy', 'free', 'unknown']), undefined, 'no key held by its rate window');
  });

  it('starts a buffered slot only once nothing of the job runs, and then only one', () => {
    const busy = new AdmissionBook(limits(), NOW, state({ '': { waiting: 2 } }), 1);
    const held = busy.admitWaiting('', HoldReason.OVERLAP);
    assert.ok(!held.admitted && held.heldBy === HoldReason.OVERLAP);
    const idle = new AdmissionBook(limits(), NOW, state({ '': { waiting: 2 } }), 0);
    assert.equal(idle.admitWaiting('', HoldReason.OVERLAP).admitted, true);
    assert.equal(idle.admitWaiting('', HoldReason.OVERLAP).admitted, false, 'the first one now runs');
  });
});

describe('decideSlot', () => {
  const ctx = (over: Partial<SlotContext>): SlotContext => ({
    policy: OverlapPolicy.SKIP,
    unfinished: 1,
    waitingForWorker: 0,
    buffered: 0,
    bufferLimit: 3,
    maxInstances: 0,
    ...over,
  });

  it('launches when nothing is unfinished, whatever the policy', () => {
    for (const policy of Object.values(OverlapPolicy))
      assert.deepEqual(decideSlot(ctx({ policy, unfinished: 0 })), { kind: 'launch' });
  });

  it('applies each policy to an overlapping slot', () => {
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.SKIP })).kind, 'skip');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.BUFFER_ONE })).kind, 'buffer');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.BUFFER_ONE, buffered: 1 })).kind, 'skip');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.BUFFER_ALL, buffered: 2 })).kind, 'buffer');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.BUFFER_ALL, buffered: 3 })).kind, 'skip');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.CANCEL_OTHER, maxInstances: 1 })).kind, 'replace');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.ALLOW_ALL })).kind, 'launch');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.ALLOW_ALL, maxInstances: 1 })).kind, 'skip');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.ALLOW_ALL, waitingForWorker: 1 })).kind, 'skip');
    assert.equal(decideSlot(ctx({ policy: OverlapPolicy.BUFFER_ONE, maxInstances: 1 })).kind, 'buffer');
  });
});

describe('heldUntilSlot (a deferred slot waits for its time, then checks its trigger is still held)', () => {
  /** A trigger hold that answers `held` and counts how often it was asked. */
  function hold(held: boolean): TriggerHold & { asked: number } {
    const h = {
      asked: 0,
      stillHeld: () => {
        h.asked++;
        return Promise.resolve(held);
      },
    };
    return h;
  }

  it('waits for the slot, then asks: a trigger taken over meanwhile answers false', async () => {
    const lost = hold(false);
    const slot = Date.now() + 30;
    assert.equal(await heldUntilSlot(slot, lost), false);
    assert.ok(Date.now() >= slot, 'it waited for the slot');
    assert.equal(lost.asked, 1);
    const kept = hold(true);
    assert.equal(await heldUntilSlot(Date.now() + 10, kept), true);
    assert.equal(kept.asked, 1);
  });

  it('does not ask when the slot has come already (no wait, nothing could take the trigger over)', async () => {
    const lost = hold(false);
    assert.equal(await heldUntilSlot(Date.now() - 5, lost), true);
    assert.equal(lost.asked, 0);
  });
});

describe('concurrencyKeyFromParams', () => {
  it('reads a string or number at a dotted path, else the shared key', () => {
    assert.equal(concurrencyKeyFromParams('customer.id', '{"customer":{"id":"acme"}}'), 'acme');
    assert.equal(concurrencyKeyFromParams('n', '{"n":42}'), '42');
    assert.equal(concurrencyKeyFromParams('customer.id', '{"customer":{}}'), '');
    assert.equal(concurrencyKeyFromParams('customer.id', '{"customer":["id"]}'), '');
    assert.equal(concurrencyKeyFromParams('a', '{"a":true}'), '');
    assert.equal(concurrencyKeyFromParams('a', 'not json'), '');
    assert.equal(concurrencyKeyFromParams('a', null), '');
    assert.equal(concurrencyKeyFromParams('a', JSON.stringify({ a: 'k'.repeat(300) })).length, 255);
  });
});

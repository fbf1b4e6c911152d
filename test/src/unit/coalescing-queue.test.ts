import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescingQueue, CoalescingQueueFullError, type ItemOutcome } from '@jobnest/server/internal';

/** A flush that records its batches and answers each item doubled, or fails the item `bad`. */
function recorder(bad?: number) {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  return {
    batches,
    hold(): void {
      gate = new Promise((resolve) => (release = resolve));
    },
    open(): void {
      release?.();
      gate = undefined;
    },
    async flush(items: number[]): Promise<ItemOutcome<number>[]> {
      batches.push(items);
      if (gate) await gate;
      return items.map((i) => (i === bad ? { ok: false, error: new Error(`bad ${i}`) } : { ok: true, value: i * 2 }));
    },
  };
}

describe('coalescing queue (group commit)', () => {
  it('writes items of one turn in one batch and answers each its own outcome', async () => {
    const r = recorder(3);
    const queue = new CoalescingQueue<number, number>({ flush: (items) => r.flush(items) });
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => queue.submit(i)));
    assert.deepEqual(r.batches, [[1, 2, 3, 4]]);
    assert.deepEqual(
      results.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [2, 4, 'bad 3', 8],
    );
  });

  it('batches what arrives while the writers are busy, within the batch weight', async () => {
    const r = recorder();
    const queue = new CoalescingQueue<number, number>({
      flush: (items) => r.flush(items),
      maxInFlight: 1,
      maxBatchWeight: 5,
      weight: (i) => i,
    });
    r.hold();
    const first = queue.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(r.batches, [[1]], 'the first item went alone, at once');
    const later = [2, 3, 4, 1].map((i) => queue.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(r.batches.length, 1, 'nothing else starts while the only writer is busy');
    assert.deepEqual(queue.depth, { queuedWeight: 10, inFlight: 1 });
    r.open();
    assert.equal(await first, 2);
    assert.deepEqual(await Promise.all(later), [4, 6, 8, 2]);
    assert.deepEqual(r.batches, [[1], [2, 3], [4, 1]], 'batches fill up to the weight limit, in order');
  });

  it('fails every item of a batch whose flush throws, and keeps going', async () => {
    let calls = 0;
    const queue = new CoalescingQueue<number, number>({
      flush: async (items) => {
        calls++;
        if (calls === 1) throw new Error('database down');
        return items.map((i) => ({ ok: true as const, value: i }));
      },
    });
    const failed = await Promise.allSettled([queue.submit(1), queue.submit(2)]);
    assert.deepEqual(
      failed.map((s) => s.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await queue.submit(3), 3);
  });

  it('refuses items past the queued weight instead of growing without bound', async () => {
    const r = recorder();
    const queue = new CoalescingQueue<number, number>({
      flush: (items) => r.flush(items),
      maxInFlight: 1,
      maxQueuedWeight: 3,
    });
    r.hold();
    const inFlight = queue.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [1, 2, 3].map((i) => queue.submit(i));
    await assert.rejects(queue.submit(4), CoalescingQueueFullError);
    r.open();
    await inFlight;
    assert.deepEqual(await Promise.all(queued), [2, 4, 6]);
    assert.equal(await queue.submit(5), 10, 'accepted again once the queue drained');
  });
});

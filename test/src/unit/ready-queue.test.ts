import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Internal to the SDK (not exported from its index): the TaskTracker's queue of waiting tasks.
import { ReadyQueue, SerialWrites } from '@jobnest/worker/internal';
import { FakeTaskStore } from '../support/fakes/fake-task-store';

const INSTANCE = 7;

async function storeWith(count: number): Promise<FakeTaskStore> {
  const store = new FakeTaskStore();
  const payloads = Array.from({ length: count }, (_, i) => JSON.stringify(i));
  await store.insertSubtasks(INSTANCE, null, '0:0', 'ITEM', payloads);
  return store;
}

function queue(store: FakeTaskStore, known: Set<number> = new Set(), writes = new SerialWrites()): ReadyQueue {
  return new ReadyQueue(store.asStore(), INSTANCE, writes, (id) => known.has(id));
}

const ids = (tasks: { id: number }[]): number[] => tasks.map((t) => t.id);

describe('ReadyQueue', () => {
  it('reads waiting rows in pages of 2000 while fewer than 1000 are queued, in id order, once each', async () => {
    const store = await storeWith(4500);
    const q = queue(store);
    assert.equal(q.wantsRead, true);
    assert.equal(await q.read(), 2000);
    assert.equal(q.length, 2000);
    assert.equal(q.wantsRead, false, 'enough queued');
    assert.deepEqual(
      ids(q.take(1500)),
      Array.from({ length: 1500 }, (_, i) => i + 1),
    );
    assert.equal(q.wantsRead, true);
    assert.equal(await q.read(), 2000);
    q.take(2500);
    assert.equal(await q.read(), 500);
    assert.equal(q.allRead, true, 'the last read found the end');
    assert.equal(q.wantsRead, false);
    assert.deepEqual(
      ids(q.take(1000)),
      Array.from({ length: 500 }, (_, i) => 4001 + i),
    );
  });

  it('puts retries and lost tasks in front, and takes one out wherever it is', async () => {
    const q = queue(await storeWith(5));
    await q.read();
    const [first, second] = q.take(2);
    q.requeue([second!, first!]);
    assert.deepEqual(ids(q.take(10)), [2, 1, 3, 4, 5]);
    q.append([first!, second!]);
    q.remove(1);
    assert.equal(q.has(1), false);
    assert.deepEqual(ids(q.takeAll()), [2]);
    assert.equal(q.length, 0);
    assert.equal(q.has(2), false);
  });

  it('skips rows the run knows (in flight, result unwritten) or holds already when it reads them again', async () => {
    const store = await storeWith(6);
    const known = new Set([2]);
    const q = queue(store, known);
    await q.read();
    assert.deepEqual(ids(q.take(2)), [1, 3]);
    q.restart();
    assert.equal(q.allRead, false);
    assert.equal(await q.read(), 6, 'every waiting row read again');
    assert.deepEqual(ids(q.takeAll()), [4, 5, 6, 1, 3], '2 known; 4-6 held already are not doubled');
  });

  it('goes back for rows announced below the cursor, and such a read waits for the queued writes', async () => {
    const store = await storeWith(3);
    const writes = new SerialWrites();
    const q = queue(store, new Set(), writes);
    await q.read();
    q.take(3);
    assert.equal(q.allRead, true);
    // A concurrent map committed row 2's neighbour late: announced from id 2 on.
    q.announce(2);
    assert.equal(q.allRead, false);
    let writeDone = false;
    void writes.run(async () => {
      await new Promise((r) => setTimeout(r, 20));
      writeDone = true;
    });
    await q.read();
    assert.equal(writeDone, true, 'the re-read ran after the write queued before it');
    assert.deepEqual(
      store.calls.filter((c) => c.startsWith('fetchWaiting')),
      ['fetchWaiting>0', 'fetchWaiting>1'],
    );
  });

  it('reads rows up to a task adopted in a takeover only behind the queued writes, even on a first read', async () => {
    const store = await storeWith(4);
    const writes = new SerialWrites();
    const q = queue(store, new Set(), writes);
    q.adopted(3); // held by a worker, never read here: its result may be written at any moment
    let writeDone = false;
    void writes.run(async () => {
      await new Promise((r) => setTimeout(r, 20));
      writeDone = true;
    });
    await q.read();
    assert.equal(writeDone, true, 'the read ran after the write queued before it');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskStatus } from '@jobnest/common';
import type { TaskOutcomeRow } from '@jobnest/persistence';
// Internal to the SDK (not exported from its index): how a TaskTracker stores results behind their dispatch.
import { ResultWriteBehind, SerialWrites } from '@jobnest/worker/internal';

const ok = (id: number): TaskOutcomeRow => ({ id, status: TaskStatus.SUCCEEDED, result: String(id), failures: 0 });
const retry = (id: number): TaskOutcomeRow => ({ id, status: TaskStatus.WAITING_DISPATCH, result: 'x', failures: 1 });

/** Records each UPDATE: worker and ids. */
class FakeWriter {
  readonly statements: { workerId: string; ids: number[] }[] = [];
  gate: Promise<void> = Promise.resolve();

  async applyOutcomes(_instanceId: number, rows: TaskOutcomeRow[], workerId: string): Promise<void> {
    await this.gate;
    this.statements.push({ workerId, ids: rows.map((r) => r.id) });
  }
}

function setUp(): { writer: FakeWriter; store: ResultWriteBehind; written: () => number } {
  const writer = new FakeWriter();
  let written = 0;
  const store = new ResultWriteBehind(writer, 1, new SerialWrites(), () => written++);
  return { writer, store, written: () => written };
}

describe('ResultWriteBehind', () => {
  it('holds results at once and writes every one held when the write starts in one group', async () => {
    const { writer, store, written } = setUp();
    let open!: () => void;
    writer.gate = new Promise((r) => (open = r));
    store.add({ workerId: 'a', rows: [ok(1), ok(2)], seq: 1 });
    const first = store.write();
    store.add({ workerId: 'b', rows: [ok(3)], seq: 4 });
    assert.equal(store.write(), first, 'not started yet: the queued write takes these too');
    assert.equal(store.size, 3);
    assert.equal(store.has(3), true);
    open();
    await first;
    assert.deepEqual(writer.statements, [
      { workerId: 'a', ids: [1, 2] },
      { workerId: 'b', ids: [3] },
    ]);
    assert.equal(store.size, 0);
    assert.equal(written(), 1);
    assert.equal(store.storedThrough('a'), 1);
    assert.equal(store.storedThrough('b'), 4);
    assert.equal(store.storedThrough('c'), 0);
  });

  it('writes a second outcome of one task in a later statement, and at most 500 rows a statement', async () => {
    const { writer, store } = setUp();
    const many = Array.from({ length: 1200 }, (_, i) => ok(100 + i));
    store.add({ workerId: 'a', rows: [retry(1), ...many] });
    store.add({ workerId: 'a', rows: [ok(1)] });
    assert.equal(store.size, 1201, 'one entry per task');
    await store.write();
    assert.deepEqual(
      writer.statements.map((s) => s.ids.length),
      [500, 500, 201, 1],
    );
    assert.deepEqual(writer.statements[3]!.ids, [1]);
    assert.equal(store.has(1), false, 'both outcomes written');
  });

  it('is full at 5000 tasks with unwritten results (dispatch waits for MySQL)', async () => {
    const { store } = setUp();
    store.add({ workerId: 'a', rows: Array.from({ length: 4999 }, (_, i) => ok(i + 1)) });
    assert.equal(store.full, false);
    store.add({ workerId: 'a', rows: [ok(5000)] });
    assert.equal(store.full, true);
    await store.write();
    assert.equal(store.full, false);
  });

  it('keeps the highest seq written per worker', async () => {
    const { store } = setUp();
    store.add({ workerId: 'a', rows: [ok(1)], seq: 5 });
    store.add({ workerId: 'a', rows: [ok(2)], seq: 3 });
    store.add({ workerId: 'a', rows: [ok(3)] });
    await store.write();
    assert.equal(store.storedThrough('a'), 5);
  });
});

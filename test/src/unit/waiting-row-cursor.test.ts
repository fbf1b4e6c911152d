import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Internal to the SDK (not exported from its index): the TaskTracker's read position over waiting task rows.
import { WaitingRowCursor } from '@jobnest/worker/internal';

const LIMIT = 3;

/** One read over `table` (ids of waiting rows) the way DistributedRun does it: ids above the cursor, LIMIT at most. */
function read(cursor: WaitingRowCursor, table: number[]): { ids: number[]; rereads: boolean } {
  const { after, rereads } = cursor.begin();
  const ids = table
    .filter((id) => id > after)
    .sort((a, b) => a - b)
    .slice(0, LIMIT);
  cursor.end(after, ids.length, ids.at(-1) ?? 0, LIMIT);
  return { ids, rereads };
}

describe('WaitingRowCursor', () => {
  it('reads each row once, in pages, and is done at the end', () => {
    const cursor = new WaitingRowCursor();
    const table = [1, 2, 3, 4, 5];
    assert.equal(cursor.done, false);
    assert.deepEqual(read(cursor, table), { ids: [1, 2, 3], rereads: false });
    assert.equal(cursor.done, false, 'a full page: more may follow');
    assert.deepEqual(read(cursor, table), { ids: [4, 5], rereads: false });
    assert.equal(cursor.done, true);
  });

  it('reads new rows above the cursor after an announcement, without rereading', () => {
    const cursor = new WaitingRowCursor();
    const table = [1, 2];
    read(cursor, table);
    assert.equal(cursor.done, true);
    table.push(3, 4);
    cursor.announce(3);
    assert.equal(cursor.done, false);
    assert.deepEqual(read(cursor, table), { ids: [3, 4], rereads: false });
  });

  it('goes back for rows committed below the cursor (concurrent maps commit out of id order)', () => {
    const cursor = new WaitingRowCursor();
    // Rows 1-2 were allocated to a slow INSERT; 3-4 committed first and were read.
    const table = [3, 4];
    assert.deepEqual(read(cursor, table).ids, [3, 4]);
    table.push(1, 2);
    cursor.announce(1);
    const again = read(cursor, table);
    assert.equal(again.rereads, true, 'the caller must skip the rows it holds');
    assert.deepEqual(again.ids, [1, 2, 3]);
    // Drains the rest, then resumes above everything read, not from the rewind point.
    assert.deepEqual(read(cursor, table).ids, [4]);
    assert.equal(cursor.done, true);
    table.push(5);
    cursor.announce(5);
    assert.deepEqual(read(cursor, table), { ids: [5], rereads: false });
  });

  it('goes back for rows announced during a read that went past them', () => {
    const cursor = new WaitingRowCursor();
    const table = [5, 6];
    const { after } = cursor.begin();
    cursor.announce(2); // committed below while the read ran: the read may not have seen row 2
    table.push(2);
    cursor.end(after, 2, 6, LIMIT);
    assert.equal(cursor.done, false);
    assert.deepEqual(read(cursor, table), { ids: [2, 5, 6], rereads: true });
    assert.deepEqual(read(cursor, table).ids, []);
    assert.equal(cursor.done, true);
  });

  it('does not reread for rows announced during a read that stopped below them', () => {
    const cursor = new WaitingRowCursor();
    const table = [1, 2, 3, 4];
    const { after } = cursor.begin();
    cursor.announce(4);
    cursor.end(after, 3, 3, LIMIT);
    assert.deepEqual(read(cursor, table), { ids: [4], rereads: false });
  });

  it('restart() reads everything again from id 0', () => {
    const cursor = new WaitingRowCursor();
    const table = [10, 11];
    read(cursor, table);
    assert.equal(cursor.done, true);
    cursor.restart();
    assert.equal(cursor.done, false);
    assert.deepEqual(read(cursor, table), { ids: [10, 11], rereads: true });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskStatus } from '@jobnest/common';
// Internal to the SDK (not exported from its index): how the TaskTracker splits coalesced results into UPDATEs.
import { outcomeRounds } from '@jobnest/worker/internal';

const ok = (id: number) => ({ id, status: TaskStatus.SUCCEEDED as const, result: String(id), failures: 0 });
const retry = (id: number) => ({ id, status: TaskStatus.WAITING_DISPATCH as const, result: 'boom', failures: 1 });

/** Round -> worker -> ids, for readable assertions. */
function shape(rounds: ReturnType<typeof outcomeRounds>): Record<string, number[]>[] {
  return rounds.map((round) => Object.fromEntries([...round].map(([w, rows]) => [w, rows.map((r) => r.id)])));
}

describe('outcomeRounds', () => {
  it('puts every result in one round, grouped by the worker that reported it', () => {
    const rounds = outcomeRounds([
      { workerId: 'a', rows: [ok(1), ok(2)] },
      { workerId: 'b', rows: [ok(3)] },
      { workerId: 'a', rows: [ok(4)] },
    ]);
    assert.deepEqual(shape(rounds), [{ a: [1, 2, 4], b: [3] }]);
  });

  it('writes a second outcome of one task in a later round, in arrival order', () => {
    // Task 2 failed (retry left), was sent again and succeeded on b before the first outcome was stored.
    const rounds = outcomeRounds([
      { workerId: 'a', rows: [ok(1), retry(2)] },
      { workerId: 'b', rows: [ok(2), ok(3)] },
    ]);
    assert.deepEqual(shape(rounds), [{ a: [1, 2], b: [3] }, { b: [2] }]);
    assert.equal(rounds[0]!.get('a')![1]!.status, TaskStatus.WAITING_DISPATCH);
    assert.equal(rounds[1]!.get('b')![0]!.status, TaskStatus.SUCCEEDED, 'the last outcome is written last');
  });

  it('returns no round for no results', () => {
    assert.deepEqual(outcomeRounds([]), []);
  });
});

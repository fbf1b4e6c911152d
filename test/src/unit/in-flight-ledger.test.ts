import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WaitingTask } from '@jobnest/persistence';
// Internal to the SDK (not exported from its index): what a TaskTracker has in flight.
import { InFlightLedger } from '@jobnest/worker/internal';

const task = (id: number): WaitingTask => ({ id, taskName: 'T', payload: null, failures: 0, isRoot: false });
const tasks = (...ids: number[]): WaitingTask[] => ids.map(task);
const alive = (): boolean => true;

describe('InFlightLedger', () => {
  it('gives every dispatch a new generation, from the one it starts at', () => {
    const ledger = new InFlightLedger(1000);
    assert.equal(ledger.dispatch('w1', tasks(1, 2), 0), 1001);
    assert.equal(ledger.dispatch('w2', tasks(3), 0), 1002);
    assert.equal(ledger.generationOf(1), 1001);
    assert.equal(ledger.generationOf(3), 1002);
    assert.equal(ledger.size, 3);
    assert.deepEqual(ledger.workers().sort(), ['w1', 'w2']);
  });

  it('settles a result of the current generation only; an older dispatch of a task sent again is dropped', () => {
    const ledger = new InFlightLedger(0);
    const first = ledger.dispatch('w1', tasks(1), 0);
    ledger.release(ledger.lost(20_000, alive).lost); // unacknowledged: lost, sent again
    const second = ledger.dispatch('w2', tasks(1), 20_000);
    assert.equal(ledger.settle(1, first), undefined, 'the old dispatch');
    assert.equal(ledger.has(1), true);
    const settled = ledger.settle(1, second);
    assert.equal(settled?.workerId, 'w2');
    assert.equal(ledger.has(1), false);
    assert.equal(ledger.settle(1, second), undefined, 'a duplicate result');
    assert.deepEqual(ledger.workers(), []);
  });

  it('finds the dispatches lost to a dead worker, or not acknowledged within 10 s', () => {
    const ledger = new InFlightLedger(0);
    const g1 = ledger.dispatch('w1', tasks(1, 2), 0);
    ledger.dispatch('w2', tasks(3), 0);
    ledger.dispatch('dead', tasks(4), 9_000);
    ledger.acknowledge(1, g1);
    ledger.acknowledge(3, 999); // another generation: not this dispatch
    const isAlive = (w: string) => w !== 'dead';
    const early = ledger.lost(9_500, isAlive);
    assert.deepEqual(
      early.lost.map((f) => f.task.id),
      [4],
    );
    assert.deepEqual([...early.deadWorkers], ['dead']);
    const late = ledger.lost(10_001, isAlive);
    assert.deepEqual(late.lost.map((f) => f.task.id).sort(), [2, 3, 4], '1 was acknowledged');
    assert.equal(ledger.size, 4, 'finding them does not release them');
    ledger.release(late.lost);
    assert.equal(ledger.size, 1);
    assert.deepEqual(ledger.workers(), ['w1']);
  });

  it('gives each worker a window of max(400, 4 x concurrency) tasks', () => {
    const ledger = new InFlightLedger(0);
    ledger.dispatch('w1', tasks(...Array.from({ length: 390 }, (_, i) => i + 1)), 0);
    assert.deepEqual(
      [...ledger.freeRoom(['w1', 'w2'], 5)],
      [
        ['w1', 10],
        ['w2', 400],
      ],
    );
    assert.deepEqual(
      [...ledger.freeRoom(['w1', 'w2'], 200)],
      [
        ['w1', 410],
        ['w2', 800],
      ],
    );
    ledger.dispatch('w1', tasks(...Array.from({ length: 10 }, (_, i) => 1000 + i)), 0);
    assert.deepEqual([...ledger.freeRoom(['w1'], 5)], [], 'a full worker gets nothing');
  });

  it('adopts a task with the generation it was sent with, acknowledged; forget drops it whatever its generation', () => {
    const ledger = new InFlightLedger(0);
    ledger.adopt(task(9), 'w3', 42, 0);
    assert.equal(ledger.generationOf(9), 42);
    assert.deepEqual(ledger.lost(60_000, alive).lost, [], 'adopted tasks count as acknowledged');
    ledger.forget(9);
    assert.equal(ledger.has(9), false);
    assert.deepEqual(ledger.workers(), []);
  });
});

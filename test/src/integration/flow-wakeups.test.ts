import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowGate, InstanceEvents, type DispatcherService } from '@jobnest/server/internal';
import { migratedDatabase } from '../support/migrated-database';
import { RecordingFlowState } from '../support/recording-flow-state';

/**
 * The FlowGate's wake-ups (against real MariaDB; the job has nothing held, so each release only looks). A buffered
 * timer slot launched ahead of its time waits for its wake-up alone when nothing runs: a wake-up that looks before
 * the slot is due, or one dropped behind an earlier one, leaves it held for good.
 */
describe('FlowGate wake-ups', () => {
  const database = migratedDatabase();
  const realNow = Date.now;
  let state: RecordingFlowState;
  let gate: FlowGate;
  /** When each release looked, by the wall clock it compares due times with. */
  const looked = (): number[] => state.preChecks.map((c) => c.now);

  beforeEach(() => {
    state = new RecordingFlowState();
    const dispatcher = { eligibleWorkers: () => [] } as unknown as DispatcherService;
    gate = new FlowGate(database.db(), state, dispatcher, new InstanceEvents());
  });

  afterEach(async () => {
    Date.now = realNow;
    await gate.onApplicationShutdown();
  });

  it('releases no earlier than its time by the wall clock, even when the timer fires before that clock gets there', async () => {
    const at = Date.now() + 100;
    gate.wakeAt(1, at);
    // From now on the wall clock runs 20 ms behind the timers' clock: the timer fires while Date.now() < at.
    Date.now = (): number => realNow() - 20;
    await sleep(200);
    assert.equal(looked().length, 1, `one release: ${JSON.stringify(looked())}`);
    assert.ok(looked()[0]! >= at, `the release looked ${at - looked()[0]!} ms before its time`);
  });

  it("keeps a held slot's due time behind an earlier wake-up, and drops a later one that is not kept", async () => {
    const t = Date.now();
    gate.wakeAt(1, t + 50);
    gate.wakeAt(1, t + 150, true);
    gate.wakeAt(1, t + 100);
    await sleep(300);
    assert.equal(looked().length, 2, `two releases: ${JSON.stringify(looked().map((n) => n - t))}`);
    assert.ok(looked()[0]! >= t + 50 && looked()[0]! < t + 150, 'the first at the earlier time');
    assert.ok(looked()[1]! >= t + 150, "the second once the slot's time has come");
  });

  it('keeps a wake-up it replaces by an earlier one', async () => {
    const t = Date.now();
    gate.wakeAt(2, t + 150, true);
    gate.wakeAt(2, t + 50);
    await sleep(300);
    assert.equal(looked().length, 2, `two releases: ${JSON.stringify(looked().map((n) => n - t))}`);
    assert.ok(looked()[1]! >= t + 150);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecuteType, type HeldResult, type RunTasksCommand } from '@jobnest/common';
// Internal to the SDK (not exported from its index): a ProcessorTracker's subtasks of one instance.
import { InstanceSlot, runKey, serialiseItems } from '@jobnest/worker/internal';
import { FakeLogSink } from '../support/fakes/fake-fleet';

const task = { taskId: 5, taskName: 'T', payload: null, generation: 9, failures: 0, isRoot: false };
const command: RunTasksCommand = {
  kind: 'RunTasks',
  instanceId: 7,
  jobId: 3,
  runningTimes: 1,
  trackerWorkerId: 't',
  processor: 'p',
  executeType: ExecuteType.MAP,
  jobParams: null,
  instanceParams: null,
  taskRetries: 0,
  concurrency: 2,
  tasks: [task],
};

describe('InstanceSlot', () => {
  it('keys a running subtask by task and dispatch generation (a task sent again can run twice here)', () => {
    assert.equal(runKey(task), '5:9');
    assert.notEqual(runKey({ ...task, generation: 10 }), runKey(task));
  });

  it('drops the kept results the TaskTracker stored (a prefix in seq order), and is idle once all is gone', () => {
    const slot = new InstanceSlot(command, new FakeLogSink());
    assert.equal(slot.idle, true);
    const held: HeldResult = { task, success: true, result: null };
    slot.kept = [1, 1, 2, 3].map((seq) => ({ held, deliveredAt: 0, seq }));
    assert.equal(slot.idle, false);
    slot.dropStoredThrough(0);
    assert.equal(slot.kept.length, 4);
    slot.dropStoredThrough(2);
    assert.deepEqual(
      slot.kept.map((k) => k.seq),
      [3],
    );
    slot.dropStoredThrough(3);
    assert.equal(slot.idle, true);
  });

  it('ships its subtasks log lines for the instance', () => {
    const logs = new FakeLogSink();
    new InstanceSlot(command, logs).logger.info('hello');
    assert.deepEqual(logs.lines, ['hello']);
  });
});

describe('serialiseItems (ctx.map)', () => {
  it('stores each item as JSON and names the first one that cannot be', () => {
    assert.deepEqual(serialiseItems([1, 'a', { b: [2] }, null]), ['1', '"a"', '{"b":[2]}', 'null']);
    assert.throws(() => serialiseItems([1, undefined]), /item 1 is not JSON-serialisable \(undefined\)/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => serialiseItems([cyclic]), /item 0 is not JSON-serialisable: /);
    assert.throws(() => serialiseItems('x' as unknown as unknown[]), /takes an array/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskStatus, type TaskAssignment, type WorkerCommand } from '@jobnest/common';
// Internal to the SDK (not exported from its index): a takeover's adoption of what the live workers hold.
import {
  HeldTaskAdoption,
  InFlightLedger,
  ReadyQueue,
  ResultWriteBehind,
  RunFleet,
  SerialWrites,
  TaskProgress,
} from '@jobnest/worker/internal';
import { FakeDirectory, runCommand } from '../support/fakes/fake-fleet';
import { FakeTaskStore } from '../support/fakes/fake-task-store';

const INSTANCE = 7;

async function setUp(directory = new FakeDirectory('me', 'w1', 'w2')) {
  const store = new FakeTaskStore();
  await store.insertSubtasks(INSTANCE, null, 'k', 'T', ['1', '2', '3', '4']);
  const writes = new SerialWrites();
  const ledger = new InFlightLedger(0);
  const results = new ResultWriteBehind(store.asStore(), INSTANCE, writes, () => undefined);
  const ready = new ReadyQueue(store.asStore(), INSTANCE, writes, (id) => ledger.has(id) || results.has(id));
  const progress = new TaskProgress(() => undefined);
  progress.replace(await store.counts(INSTANCE));
  const sent: { to: string; command: WorkerCommand }[] = [];
  const adoption = new HeldTaskAdoption({
    instanceId: INSTANCE,
    runningTimes: 2,
    workerId: 'me',
    store: store.asStore(),
    fleet: new RunFleet(directory, runCommand()),
    ledger,
    ready,
    results,
    progress,
    send: async (to, command) => {
      sent.push({ to, command });
    },
  });
  return { store, ledger, ready, results, progress, adoption, sent };
}

const held = (taskId: number, generation: number): TaskAssignment => ({
  taskId,
  taskName: 'T',
  payload: String(taskId),
  generation,
  failures: 0,
  isRoot: false,
});

describe('HeldTaskAdoption', () => {
  it('asks every live worker, itself included, and waits until all have answered', async () => {
    const { adoption, sent } = await setUp(new FakeDirectory('w1', 'w2'));
    const gathering = adoption.gather();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      sent.map((s) => s.to),
      ['w1', 'w2', 'me'],
    );
    assert.deepEqual(sent[0]!.command, {
      kind: 'AdoptTasks',
      instanceId: INSTANCE,
      runningTimes: 2,
      trackerWorkerId: 'me',
    });
    const started = Date.now();
    for (const w of ['w1', 'w2', 'me']) adoption.answered(w);
    await gathering;
    assert.ok(Date.now() - started < 1000, 'no wait once every worker answered');
  });

  it('takes running and finished subtasks still unfinished in MySQL; the ones stored already stay waiting', async () => {
    const { store, ledger, ready, progress, adoption } = await setUp();
    store.rows[2]!.status = TaskStatus.SUCCEEDED; // task 3: the previous tracker stored its result
    progress.replace(await store.counts(INSTANCE));
    const results = await adoption.take({
      kind: 'TasksHeld',
      instanceId: INSTANCE,
      runningTimes: 2,
      workerId: 'w1',
      tasks: [held(1, 500)],
      finished: [
        { task: held(2, 501), success: true, result: 'two' },
        { task: held(3, 502), success: true, result: 'three' },
      ],
    });
    assert.deepEqual(results, [{ taskId: 2, generation: 501, success: true, result: 'two' }]);
    assert.equal(ledger.generationOf(1), 500, 'runs on with its old generation');
    assert.equal(ledger.generationOf(2), 501, 'its result is applied next, as TaskResults');
    assert.equal(ledger.has(3), false);
    await ready.read();
    assert.deepEqual(
      ready.takeAll().map((t) => t.id),
      [4],
      'what is in flight here is not read as waiting',
    );
    assert.deepEqual(progress.counts, { total: 4, waiting: 1, running: 2, succeeded: 1, failed: 0 });
  });

  it('leaves alone what this tracker holds already (in flight or with a result not written)', async () => {
    const { ledger, results, adoption } = await setUp();
    ledger.dispatch('w2', [{ id: 1, taskName: 'T', payload: '1', failures: 0, isRoot: false }], 0);
    results.add({ workerId: 'w2', rows: [{ id: 2, status: TaskStatus.SUCCEEDED, result: null, failures: 0 }] });
    const taken = await adoption.take({
      kind: 'TasksHeld',
      instanceId: INSTANCE,
      runningTimes: 2,
      workerId: 'w1',
      tasks: [held(1, 9)],
      finished: [{ task: held(2, 9), success: true, result: null }],
    });
    assert.deepEqual(taken, []);
    assert.equal(ledger.generationOf(1), 1, 'still the dispatch of this tracker');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecuteType, TaskStatus } from '@jobnest/common';
// Internal to the SDK (not exported from its index): how Map and Broadcast tasks start, travel and fail.
import {
  BroadcastDispatchPolicy,
  type DispatchPolicyDeps,
  MapDispatchPolicy,
  spreadByCapacity,
  ReadyQueue,
  RootSteps,
  RunFleet,
  SerialWrites,
  TaskProgress,
} from '@jobnest/worker/internal';
import type { BroadcastProcessor } from '@jobnest/worker';
import { FakeDirectory, FakeLogSink, runCommand } from '../support/fakes/fake-fleet';
import { FakeTaskStore } from '../support/fakes/fake-task-store';

const INSTANCE = 7;

function deps(store: FakeTaskStore, directory: FakeDirectory, executeType: ExecuteType): DispatchPolicyDeps {
  const writes = new SerialWrites();
  return {
    instanceId: INSTANCE,
    store: store.asStore(),
    writes,
    ready: new ReadyQueue(store.asStore(), INSTANCE, writes, () => false),
    fleet: new RunFleet(directory, runCommand({ executeType })),
    progress: new TaskProgress(() => undefined),
  };
}

function broadcast(
  store: FakeTaskStore,
  directory: FakeDirectory,
  processor: BroadcastProcessor,
): { policy: BroadcastDispatchPolicy; d: DispatchPolicyDeps; logs: FakeLogSink } {
  const d = deps(store, directory, ExecuteType.BROADCAST);
  const logs = new FakeLogSink();
  const steps = new RootSteps({
    command: runCommand({ executeType: ExecuteType.BROADCAST }),
    processor,
    workerId: 'tracker',
    signal: new AbortController().signal,
    logs,
  });
  return { policy: new BroadcastDispatchPolicy({ ...d, processor, steps }), d, logs };
}

const ids = (batches: Map<string, { id: number }[]>): Record<string, number[]> =>
  Object.fromEntries([...batches].map(([w, b]) => [w, b.map((t) => t.id)]));

describe('spreadByCapacity', () => {
  it('fills the freest worker first, never beyond its room', () => {
    const rows = [1, 2, 3, 4, 5, 6].map((id) => ({ id, taskName: 'T', payload: null, failures: 0, isRoot: false }));
    const batches = spreadByCapacity(
      rows,
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    );
    assert.deepEqual(ids(batches), { a: [1, 2, 3], b: [4] });
  });
});

describe('MapDispatchPolicy', () => {
  it('seeds a fresh run with the root task and resets what a dead tracker had marked on takeover', async () => {
    const store = new FakeTaskStore();
    const policy = new MapDispatchPolicy(deps(store, new FakeDirectory('a'), ExecuteType.MAP));
    assert.equal(await policy.seed(0), undefined);
    assert.deepEqual(
      store.of(INSTANCE).map((r) => [r.mapKey, r.taskName]),
      [['root', 'ROOT_TASK']],
    );
    store.rows[0]!.status = TaskStatus.DISPATCHED;
    await policy.resumeInFlight(0);
    assert.equal(store.rows[0]!.status, TaskStatus.WAITING_DISPATCH);
    assert.equal(policy.adoptsHeldTasks, true);
  });

  it('assigns ready tasks synchronously over the eligible workers by room, and requeues lost ones in front', async () => {
    const store = new FakeTaskStore();
    await store.insertSubtasks(INSTANCE, null, 'k', 'T', ['1', '2', '3', '4']);
    const d = deps(store, new FakeDirectory('a', 'b'), ExecuteType.MAP);
    const policy = new MapDispatchPolicy(d);
    await d.ready.read();
    assert.deepEqual(
      policy.candidates().map((w) => w.workerId),
      ['a', 'b'],
    );
    const batches = policy.assign(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
      3,
    );
    assert.ok(batches instanceof Map, 'no await on the Map path');
    assert.deepEqual(ids(batches), { a: [1, 2], b: [3] });
    assert.equal(policy.beforeSend(), undefined, 'nothing written on dispatch');
    d.progress.replace({ total: 4, waiting: 1, running: 3, succeeded: 0, failed: 0 });
    assert.equal(policy.recover(batches.get('a')!), undefined);
    assert.deepEqual(
      d.ready.take(10).map((t) => t.id),
      [1, 2, 4],
    );
    assert.deepEqual(d.progress.counts, { total: 4, waiting: 3, running: 1, succeeded: 0, failed: 0 });
    assert.equal(policy.lostTasksAre, 're-dispatched');
  });
});

describe('BroadcastDispatchPolicy', () => {
  it('runs preProcess, then stores one task per eligible worker, bound to it', async () => {
    const store = new FakeTaskStore();
    const { policy, logs } = broadcast(store, new FakeDirectory('a', 'b'), {
      process: async () => ({ success: true }),
      preProcess: async (ctx) => {
        ctx.logger.info(`pre ${ctx.taskName} ${ctx.taskId}`);
        return { success: true };
      },
    });
    assert.equal(await policy.seed(0), undefined);
    assert.deepEqual(logs.lines, ['pre PRE_PROCESS_TASK 0']);
    assert.deepEqual(
      store.of(INSTANCE).map((r) => [r.taskName, r.payload]),
      [
        ['BROADCAST_TASK', '{"workerId":"a"}'],
        ['BROADCAST_TASK', '{"workerId":"b"}'],
      ],
    );
    assert.equal(policy.adoptsHeldTasks, false);
  });

  it('ends the run at its start when preProcess fails or no worker is eligible', async () => {
    const failing = broadcast(new FakeTaskStore(), new FakeDirectory('a'), {
      process: async () => ({ success: true }),
      preProcess: async () => ({ success: false, result: 'not today' }),
    });
    assert.deepEqual(await failing.policy.seed(0), { status: 'FAILED', result: 'preProcess failed: not today' });
    const nobody = broadcast(new FakeTaskStore(), new FakeDirectory(), { process: async () => ({ success: true }) });
    assert.deepEqual(await nobody.policy.seed(0), { status: 'FAILED', result: 'no eligible worker to broadcast to' });
  });

  it('sends each task to its own worker, keeps it while that worker is busy, fails it once the worker is gone', async () => {
    const store = new FakeTaskStore();
    const directory = new FakeDirectory('a', 'b', 'c');
    const { policy, d } = broadcast(store, directory, { process: async () => ({ success: true }) });
    await policy.seed(0);
    d.progress.replace(await store.counts(INSTANCE));
    await d.ready.read();
    directory.kill('c');
    const assigned = policy.assign(new Map([['a', 1]]));
    assert.ok(assigned instanceof Promise, 'failing the orphan waits for MySQL');
    assert.deepEqual(ids(await assigned), { a: [1] });
    assert.deepEqual(
      d.ready.takeAll().map((t) => t.id),
      [2],
      "b's task waits for b",
    );
    assert.equal(store.rows[2]!.status, TaskStatus.FAILED);
    assert.equal(store.rows[2]!.result, 'its worker left before the broadcast reached it');
    assert.deepEqual(d.progress.counts, { total: 3, waiting: 2, running: 0, succeeded: 0, failed: 1 });
  });

  it('marks a batch DISPATCHED before it is sent; a lost one fails; a takeover fails what was marked', async () => {
    const store = new FakeTaskStore();
    const { policy, d } = broadcast(store, new FakeDirectory('a'), { process: async () => ({ success: true }) });
    await policy.seed(0);
    const [row] = store.of(INSTANCE);
    const task = { id: row!.id, taskName: row!.taskName, payload: row!.payload, failures: 0, isRoot: false };
    await policy.beforeSend('a', [task]);
    assert.equal(row!.status, TaskStatus.DISPATCHED);
    assert.equal(row!.workerId, 'a');
    d.progress.replace({ total: 1, waiting: 0, running: 1, succeeded: 0, failed: 0 });
    await policy.recover([task], 'worker(s) a stopped heartbeating');
    assert.equal(row!.status, TaskStatus.FAILED);
    assert.equal(row!.result, 'lost: worker(s) a stopped heartbeating');
    assert.deepEqual(d.progress.counts, { total: 1, waiting: 0, running: 0, succeeded: 0, failed: 1 });
    assert.equal(policy.lostTasksAre, 'failed');

    const second = new FakeTaskStore();
    const takeover = broadcast(second, new FakeDirectory('a'), { process: async () => ({ success: true }) });
    await takeover.policy.seed(0);
    second.rows[0]!.status = TaskStatus.DISPATCHED;
    await takeover.policy.resumeInFlight(0);
    assert.equal(second.rows[0]!.status, TaskStatus.FAILED);
    assert.equal(second.rows[0]!.result, 'its TaskTracker died while it ran');
  });
});

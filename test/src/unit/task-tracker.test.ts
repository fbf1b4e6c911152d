import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ExecuteType,
  TaskStatus,
  type RunInstanceCommand,
  type RunTasksCommand,
  type TaskCounts,
  type TaskResult,
  type WorkerCommand,
} from '@jobnest/common';
import type { BasicProcessor, TaskContext, TaskResultSet } from '@jobnest/worker';
// Internal to the SDK (not exported from its index): the coordinator of one distributed run, and its run handle.
import { TaskTracker, InstanceRun } from '@jobnest/worker/internal';
import { FakeDirectory, FakeLogSink, runCommand } from '../support/fakes/fake-fleet';
import { FakeTaskStore } from '../support/fakes/fake-task-store';

const INSTANCE = 7;

/**
 * The ProcessorTrackers of the other workers, in process: each RunTasks is acknowledged and run at once; the root
 * task maps `items` subtasks (payloads "1".."n"), a subtask's result is twice its payload. `failFirst`: payloads
 * whose first run fails.
 */
class FakeWorkers {
  readonly sent: { to: string; command: WorkerCommand }[] = [];
  tracker!: TaskTracker;
  /** Record commands, answer none (the tasks stay in flight). */
  mute = false;
  private seq = 0;
  private readonly failed = new Set<string>();

  constructor(
    private readonly store: FakeTaskStore,
    private readonly items: number,
    private readonly failFirst: ReadonlySet<string> = new Set(),
    /** Answers to AdoptTasks, by worker (a takeover). */
    private readonly holding: Record<string, RunTasksCommand['tasks']> = {},
  ) {}

  readonly send = async (to: string, command: WorkerCommand): Promise<void> => {
    this.sent.push({ to, command });
    if (this.mute) return;
    if (command.kind === 'RunTasks') setImmediate(() => void this.run(to, command));
    if (command.kind === 'AdoptTasks') {
      const tasks = this.holding[to] ?? [];
      setImmediate(
        () =>
          void this.tracker
            .onTasksHeld({
              kind: 'TasksHeld',
              instanceId: INSTANCE,
              runningTimes: command.runningTimes,
              workerId: to,
              tasks,
              finished: [],
            })
            .then(() => {
              if (tasks.length > 0) setTimeout(() => void this.report(to, command.runningTimes, tasks), 20);
            }),
      );
    }
  };

  runTasks(): RunTasksCommand[] {
    return this.sent.flatMap((s) => (s.command.kind === 'RunTasks' ? [s.command] : []));
  }

  private async run(to: string, command: RunTasksCommand): Promise<void> {
    const received = command.tasks.map((t) => ({ taskId: t.taskId, generation: t.generation }));
    this.tracker.onReceived({
      kind: 'TasksReceived',
      instanceId: INSTANCE,
      runningTimes: 1,
      workerId: to,
      tasks: received,
    });
    for (const t of command.tasks) {
      if (!t.isRoot) continue;
      const payloads = Array.from({ length: this.items }, (_, i) => String(i + 1));
      const stored = await this.store.insertSubtasks(INSTANCE, t.taskId, `${t.taskId}:0`, 'ITEM', payloads);
      this.tracker.onSubtasksCreated(stored.inserted, stored.firstId);
    }
    await this.report(to, command.runningTimes, command.tasks);
  }

  private report(to: string, runningTimes: number, tasks: RunTasksCommand['tasks']): Promise<void> {
    const results: TaskResult[] = tasks.map((t) => {
      const payload = t.payload ?? '';
      if (this.failFirst.has(payload) && !this.failed.has(payload)) {
        this.failed.add(payload);
        return { taskId: t.taskId, generation: t.generation, success: false, result: 'first run fails' };
      }
      return {
        taskId: t.taskId,
        generation: t.generation,
        success: true,
        result: t.isRoot ? 'mapped' : String(2 * Number(payload)),
      };
    });
    return this.tracker.onResults({
      kind: 'TaskResults',
      instanceId: INSTANCE,
      runningTimes,
      workerId: to,
      results,
      seq: ++this.seq,
    });
  }
}

/** Sums the results; counts its calls. */
class SumProcessor implements BasicProcessor {
  reduces = 0;
  async process(): Promise<{ success: boolean }> {
    return { success: true };
  }
  async reduce(_ctx: TaskContext, results: TaskResultSet): Promise<{ success: boolean; result: string }> {
    this.reduces++;
    let sum = 0;
    let failed = 0;
    for await (const r of results) {
      if (r.success) sum += Number(r.result);
      else failed++;
    }
    return { success: failed === 0, result: `${sum}/${failed}` };
  }
}

function tracker(
  command: RunInstanceCommand,
  store: FakeTaskStore,
  workers: FakeWorkers,
  processor: BasicProcessor,
  directory = new FakeDirectory('a', 'b'),
): { run: InstanceRun; tracker: TaskTracker; reports: TaskCounts[] } {
  const run = new InstanceRun(command);
  const reports: TaskCounts[] = [];
  const t = new TaskTracker(run, {
    workerId: 'tracker',
    processor,
    store: store.asStore(),
    directory,
    logs: new FakeLogSink(),
    reporter: { reportRunning: (_id, _rt, tasks) => void (tasks && reports.push(tasks)) },
    send: workers.send,
  });
  workers.tracker = t;
  return { run, tracker: t, reports };
}

describe('TaskTracker (with fake workers and task table)', () => {
  it('runs a MapReduce: the root maps, the subtasks spread over the workers, reduce runs once at the end', async () => {
    const store = new FakeTaskStore();
    const workers = new FakeWorkers(store, 1000);
    const processor = new SumProcessor();
    const { tracker: t, reports } = tracker(runCommand(), store, workers, processor);
    const outcome = await t.execute();
    assert.deepEqual(outcome, {
      status: 'SUCCEEDED',
      result: `${1000 * 1001}/0`,
      tasks: { total: 1001, waiting: 0, running: 0, succeeded: 1001, failed: 0 },
    });
    assert.equal(processor.reduces, 1);
    assert.ok(store.of(INSTANCE).every((r) => r.status === TaskStatus.SUCCEEDED && r.attempt === 1));
    const messages = workers.runTasks();
    assert.ok(
      messages.every((m) => m.tasks.length <= 200),
      'at most 200 tasks a message',
    );
    assert.deepEqual(new Set(workers.sent.map((s) => s.to)), new Set(['a', 'b']), 'both workers got subtasks');
    assert.ok(
      messages.every((m) => m.tasks.every((x) => x.generation === m.tasks[0]!.generation)),
      'one generation per dispatch',
    );
    const generations = messages.map((m) => m.tasks[0]!.generation);
    assert.deepEqual(
      generations,
      [...generations].sort((x, y) => x - y),
      'a new generation for each dispatch',
    );
    assert.ok(new Set(generations).size > 2);
    assert.deepEqual(reports.at(-1), { total: 1001, waiting: 0, running: 0, succeeded: 1001, failed: 0 });
    assert.ok(!store.calls.includes('markDispatched'), 'nothing written on a Map dispatch');
  });

  it('sends a failed subtask again within taskRetries, with its failures counted', async () => {
    const store = new FakeTaskStore();
    const workers = new FakeWorkers(store, 20, new Set(['3', '7']));
    const { tracker: t } = tracker(runCommand({ taskRetries: 1 }), store, workers, new SumProcessor());
    const outcome = await t.execute();
    assert.equal(outcome.status, 'SUCCEEDED');
    assert.equal(outcome.result, `${20 * 21}/0`);
    const retried = store.of(INSTANCE).filter((r) => r.failures === 1);
    assert.deepEqual(retried.map((r) => r.payload).sort(), ['3', '7']);
    assert.ok(retried.every((r) => r.status === TaskStatus.SUCCEEDED && r.attempt === 2));
  });

  it('fails a task past taskRetries and still reduces once, with the failure in its input', async () => {
    const store = new FakeTaskStore();
    const workers = new FakeWorkers(store, 5, new Set(['2']));
    const processor = new SumProcessor();
    const { tracker: t } = tracker(runCommand({ taskRetries: 0 }), store, workers, processor);
    const outcome = await t.execute();
    assert.deepEqual(outcome, {
      status: 'FAILED',
      result: `${2 * (1 + 3 + 4 + 5)}/1`,
      tasks: { total: 6, waiting: 0, running: 0, succeeded: 5, failed: 1 },
    });
    assert.equal(processor.reduces, 1);
  });

  it('broadcasts one task to each live worker, marked DISPATCHED first; MAP-like summary without postProcess', async () => {
    const store = new FakeTaskStore();
    const workers = new FakeWorkers(store, 0);
    const directory = new FakeDirectory('a', 'b', 'c');
    const { tracker: t } = tracker(
      runCommand({ executeType: ExecuteType.BROADCAST }),
      store,
      workers,
      { process: async () => ({ success: true }) },
      directory,
    );
    const outcome = await t.execute();
    assert.deepEqual(outcome, {
      status: 'SUCCEEDED',
      result: '{"total":3,"succeeded":3,"failed":0}',
      tasks: { total: 3, waiting: 0, running: 0, succeeded: 3, failed: 0 },
    });
    const byWorker = workers.sent.flatMap((s) =>
      s.command.kind === 'RunTasks'
        ? [[s.to, (JSON.parse(s.command.tasks[0]!.payload!) as { workerId: string }).workerId]]
        : [],
    );
    assert.deepEqual(byWorker.sort(), [
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    assert.equal(store.calls.filter((c) => c === 'markDispatched').length, 3);
  });

  it('on a stop, tells the workers and ends the unfinished rows FAILED with the reason', async () => {
    const store = new FakeTaskStore();
    const workers = new FakeWorkers(store, 0);
    workers.mute = true; // the root stays in flight
    const { run, tracker: t } = tracker(runCommand(), store, workers, new SumProcessor());
    const outcome = t.execute();
    await new Promise((r) => setTimeout(r, 50));
    run.abort(new Error('stopped: by the user'), 'stop');
    assert.deepEqual(await outcome, { status: 'FAILED', result: 'stopped: by the user' });
    const stops = workers.sent.filter((s) => s.command.kind === 'StopTasks').map((s) => s.to);
    assert.deepEqual(stops.sort(), ['a', 'b']);
    assert.deepEqual(
      store.of(INSTANCE).map((r) => [r.status, r.result]),
      [[TaskStatus.FAILED, 'stopped: by the user']],
    );
  });

  it('takes over: adopts what a live worker still runs (not sent again), and resumes the rest from the table', async () => {
    const store = new FakeTaskStore();
    await store.insertRoot(INSTANCE, 'ROOT_TASK');
    await store.insertSubtasks(INSTANCE, 1, '1:0', 'ITEM', ['1', '2', '3', '4']);
    store.rows[0]!.status = TaskStatus.SUCCEEDED; // the root and task 2 finished under the previous tracker
    store.rows[1]!.status = TaskStatus.SUCCEEDED;
    store.rows[1]!.result = '2';
    const held = [{ taskId: 3, taskName: 'ITEM', payload: '2', generation: 77, failures: 0, isRoot: false }];
    const workers = new FakeWorkers(store, 0, new Set(), { a: held });
    const { tracker: t } = tracker(runCommand({ resume: true, runningTimes: 2 }), store, workers, new SumProcessor());
    const outcome = await t.execute();
    assert.equal(outcome.status, 'SUCCEEDED');
    assert.equal(outcome.result, `${2 + 4 + 6 + 8}/0`);
    const sentIds = workers.runTasks().flatMap((m) => m.tasks.map((x) => x.taskId));
    assert.deepEqual(sentIds.sort(), [4, 5], 'the held task ran on where it was; finished ones are not sent');
    assert.deepEqual(
      workers.sent.filter((s) => s.command.kind === 'AdoptTasks').map((s) => s.to),
      ['a', 'b', 'tracker'],
    );
  });

  it('takes over: an adopted task whose result is stored while the first read is under way is not sent again', async () => {
    const store = new FakeTaskStore();
    await store.insertRoot(INSTANCE, 'ROOT_TASK');
    await store.insertSubtasks(INSTANCE, 1, '1:0', 'ITEM', ['1', '2', '3', '4']);
    store.rows[0]!.status = TaskStatus.SUCCEEDED;
    // Task 3 runs on worker a for the dead tracker; a reports its result 20 ms after its answer to AdoptTasks.
    const held = [{ taskId: 3, taskName: 'ITEM', payload: '2', generation: 77, failures: 0, isRoot: false }];
    const workers = new FakeWorkers(store, 0, new Set(), { a: held });
    // The first read of waiting rows (the first after the adoption) is slow: it reads task 3 as waiting, and MySQL
    // answers only after task 3's result came in (and, unless the read waits for the writes, was stored).
    const firstRead = store.holdNextRead();
    const { tracker: t, reports } = tracker(
      runCommand({ resume: true, runningTimes: 2 }),
      store,
      workers,
      new SumProcessor(),
    );
    const outcome = t.execute();
    await firstRead.taken;
    await new Promise((r) => setTimeout(r, 50)); // a's report (20 ms) arrives and is handled meanwhile
    firstRead.release();
    const done = await outcome;
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result, `${2 + 4 + 6 + 8}/0`);
    const sentIds = workers.runTasks().flatMap((m) => m.tasks.map((x) => x.taskId));
    assert.deepEqual(sentIds.sort(), [2, 4, 5], 'the adopted task is not sent again');
    assert.ok(
      reports.every((c) => c.waiting >= 0 && c.running >= 0),
      `no count goes negative: ${JSON.stringify(reports)}`,
    );
  });
});

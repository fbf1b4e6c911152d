import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecuteType, TaskStatus, type TaskCounts } from '@jobnest/common';
import type { BasicProcessor, TaskContext, TaskResultSet } from '@jobnest/worker';
// Internal to the SDK (not exported from its index): the end of a distributed run.
import { RootSteps, RunFinisher } from '@jobnest/worker/internal';
import { FakeLogSink, runCommand } from '../support/fakes/fake-fleet';
import { FakeTaskStore } from '../support/fakes/fake-task-store';

const INSTANCE = 7;
const counts = (over: Partial<TaskCounts> = {}): TaskCounts => ({
  total: 3,
  waiting: 0,
  running: 0,
  succeeded: 3,
  failed: 0,
  ...over,
});

async function finisher(executeType: ExecuteType, processor: BasicProcessor): Promise<RunFinisher> {
  const store = new FakeTaskStore();
  await store.insertRoot(INSTANCE, 'ROOT_TASK');
  await store.insertSubtasks(INSTANCE, 1, '1:0', 'T', ['1', '2']);
  for (const r of store.rows) {
    r.status = r.id === 3 ? TaskStatus.FAILED : TaskStatus.SUCCEEDED;
    r.result = `r${r.id}`;
  }
  const command = runCommand({ executeType });
  const steps = new RootSteps({
    command,
    processor,
    workerId: 'tracker',
    signal: new AbortController().signal,
    logs: new FakeLogSink(),
  });
  return new RunFinisher({ command, processor, store: store.asStore(), steps });
}

const basic: BasicProcessor = { process: async () => ({ success: true }) };

describe('RunFinisher', () => {
  it('MAP: succeeds when no task failed, with the counts as its result', async () => {
    const f = await finisher(ExecuteType.MAP, basic);
    assert.deepEqual(await f.finish(counts()), {
      status: 'SUCCEEDED',
      result: '{"total":3,"succeeded":3,"failed":0}',
      tasks: counts(),
    });
    assert.equal((await f.finish(counts({ succeeded: 2, failed: 1 }))).status, 'FAILED');
  });

  it('MAP_REDUCE: reduce runs once over the stored results (root excluded) and decides the outcome', async () => {
    let calls = 0;
    let seen: TaskContext | undefined;
    const processor = {
      process: basic.process,
      async reduce(ctx: TaskContext, results: TaskResultSet) {
        calls++;
        seen = ctx;
        const all = await results.toArray();
        return { success: true, result: all.map((r) => `${r.taskId}:${r.success}:${r.result}`).join(',') };
      },
    };
    const f = await finisher(ExecuteType.MAP_REDUCE, processor);
    const outcome = await f.finish(counts({ succeeded: 2, failed: 1 }));
    assert.equal(calls, 1);
    assert.deepEqual(outcome, {
      status: 'SUCCEEDED',
      result: '2:true:r2,3:false:r3',
      tasks: counts({ succeeded: 2, failed: 1 }),
    });
    assert.equal(seen?.taskName, 'REDUCE_TASK');
    assert.equal(seen?.isRootTask(), true);
    await assert.rejects(seen!.map([1], 'X'), /REDUCE_TASK runs after the subtasks/);
  });

  it('BROADCAST: postProcess decides when there is one', async () => {
    const withPost = await finisher(ExecuteType.BROADCAST, {
      process: basic.process,
      postProcess: async (_ctx: TaskContext, results: TaskResultSet) => ({
        success: false,
        result: `saw ${(await results.toArray()).length}`,
      }),
    } as BasicProcessor);
    assert.deepEqual(await withPost.finish(counts()), { status: 'FAILED', result: 'saw 2', tasks: counts() });
    const without = await finisher(ExecuteType.BROADCAST, basic);
    assert.equal((await without.finish(counts())).status, 'SUCCEEDED');
  });
});

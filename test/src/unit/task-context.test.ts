import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskLogger } from '@jobnest/worker';
// Internal to the SDK (not exported from its index): the one factory of processor-facing task contexts.
import { rootTaskContext, subtaskContext } from '@jobnest/worker/internal';

const run = { jobId: 3, instanceId: 7, jobParams: 'jp', instanceParams: 'ip', taskRetries: 2, runningTimes: 4 };
const logger: TaskLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('task contexts', () => {
  it('a root task: id 0, no item, the run fields, ctx.map() refused saying why', async () => {
    const signal = new AbortController().signal;
    const ctx = rootTaskContext(run, {
      taskName: 'ROOT_TASK',
      attempt: 2,
      workerId: 'w1',
      signal,
      logger,
      mapUnavailableReason: 'a STANDALONE job runs one task (use MAP or MAP_REDUCE)',
    });
    const { signal: s, logger: l, isRootTask, map, ...fields } = ctx;
    assert.deepEqual(fields, {
      jobId: 3,
      instanceId: 7,
      taskId: '0',
      taskName: 'ROOT_TASK',
      subtask: null,
      jobParams: 'jp',
      instanceParams: 'ip',
      attempt: 2,
      taskRetries: 2,
      runningTimes: 4,
      workerId: 'w1',
      workflow: undefined, // not a workflow node
    });
    assert.equal(s, signal);
    assert.equal(l, logger);
    assert.equal(isRootTask(), true);
    await assert.rejects(map([1], 'X'), {
      message: 'ctx.map() is not available here: a STANDALONE job runs one task (use MAP or MAP_REDUCE)',
    });
  });

  it('a subtask: its id and item, attempt = failures + 1, its signal made on first use only', async () => {
    let made = 0;
    const mapped: unknown[][] = [];
    const ctx = subtaskContext(
      run,
      { taskId: 42, taskName: 'RANGE', payload: '{"from":1}', generation: 99, failures: 1, isRoot: false },
      {
        workerId: 'w2',
        signal: () => {
          made++;
          return new AbortController().signal;
        },
        logger,
        map: async (items) => void mapped.push(items),
      },
    );
    assert.equal(ctx.taskId, '42');
    assert.equal(ctx.taskName, 'RANGE');
    assert.deepEqual(ctx.subtask, { from: 1 });
    assert.equal(ctx.attempt, 2);
    assert.equal(ctx.isRootTask(), false);
    assert.equal(made, 0);
    assert.equal(ctx.signal, ctx.signal);
    assert.equal(made, 1, 'made once, on first use');
    await ctx.map([5], 'LEAF');
    assert.deepEqual(mapped, [[5]]);
    assert.equal('generation' in ctx, false, 'the dispatch generation stays out of the context');
  });

  it('a subtask without a map function refuses ctx.map() with the reason given', async () => {
    const ctx = subtaskContext(
      run,
      { taskId: 1, taskName: 'BROADCAST_TASK', payload: null, generation: 1, failures: 0, isRoot: false },
      { workerId: 'w', signal: () => new AbortController().signal, logger, mapUnavailableReason: 'no map here' },
    );
    assert.equal(ctx.subtask, null);
    await assert.rejects(ctx.map([1], 'X'), /no map here/);
  });
});

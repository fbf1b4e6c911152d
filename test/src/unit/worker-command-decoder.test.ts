import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageDecodeError } from '@jobnest/common';
import { decodeWorkerCommand } from '@jobnest/transport';

const task = { taskId: 5, taskName: 'T', payload: '1', generation: 1700000000001, failures: 1, isRoot: false };
const runTasks = {
  kind: 'RunTasks',
  instanceId: 7,
  jobId: 3,
  runningTimes: 1,
  trackerWorkerId: 'w1',
  processor: 'p',
  executeType: 'MAP',
  jobParams: null,
  instanceParams: null,
  taskRetries: 0,
  concurrency: 5,
  tasks: [task],
  resultsStoredThrough: 2,
};

describe('decodeWorkerCommand', () => {
  it('decodes the dispatch generation of RunTasks, TasksReceived and TaskResults', () => {
    const run = decodeWorkerCommand('RunTasks', runTasks);
    assert.equal(run?.kind, 'RunTasks');
    assert.deepEqual(run.kind === 'RunTasks' && run.tasks, [task]);
    assert.deepEqual(
      decodeWorkerCommand('TasksReceived', {
        kind: 'TasksReceived',
        instanceId: 7,
        runningTimes: 1,
        workerId: 'w2',
        tasks: [{ taskId: 5, generation: 9 }],
      }),
      { kind: 'TasksReceived', instanceId: 7, runningTimes: 1, workerId: 'w2', tasks: [{ taskId: 5, generation: 9 }] },
    );
    const results = decodeWorkerCommand('TaskResults', {
      kind: 'TaskResults',
      instanceId: 7,
      runningTimes: 1,
      workerId: 'w2',
      results: [{ taskId: 5, generation: 9, success: true, result: 'r' }],
      seq: 3,
    });
    assert.deepEqual(results?.kind === 'TaskResults' && results.results, [
      { taskId: 5, generation: 9, success: true, result: 'r' },
    ]);
  });

  it('reads `attempt`, the name older SDKs gave the generation', () => {
    const { generation, ...old } = task;
    const run = decodeWorkerCommand('RunTasks', { ...runTasks, tasks: [{ ...old, attempt: generation }] });
    assert.deepEqual(run?.kind === 'RunTasks' && run.tasks[0], task);
    const received = decodeWorkerCommand('TasksReceived', {
      kind: 'TasksReceived',
      instanceId: 7,
      runningTimes: 1,
      workerId: 'w2',
      tasks: [{ taskId: 5, attempt: 4 }],
    });
    assert.deepEqual(received?.kind === 'TasksReceived' && received.tasks, [{ taskId: 5, generation: 4 }]);
  });

  it('refuses a task without a whole generation, and ignores unknown kinds', () => {
    const { generation: _g, ...noGeneration } = task;
    assert.throws(() => decodeWorkerCommand('RunTasks', { ...runTasks, tasks: [noGeneration] }), {
      name: MessageDecodeError.name,
      message: "field 'generation' must be a whole number",
    });
    assert.throws(
      () => decodeWorkerCommand('RunTasks', { ...runTasks, tasks: [{ ...task, generation: 1.5 }] }),
      MessageDecodeError,
    );
    assert.equal(decodeWorkerCommand('FutureCommand', { kind: 'FutureCommand' }), undefined);
    assert.throws(() => decodeWorkerCommand('RunTasks', { ...runTasks, kind: 'StopTasks' }), /differ/);
  });
});

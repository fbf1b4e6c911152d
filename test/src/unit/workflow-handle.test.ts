import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseWorkflowContext,
  WorkflowAdditions,
  WorkflowContextError,
  workflowHandle,
} from '@jobnest/worker/internal';

const info = { workflowInstanceId: 5, nodeId: 'B', context: '{"a":{"b":1}}', maxAdditionsBytes: 60 };

describe('ctx.workflow', () => {
  it('reads a frozen context and collects additions as one JSON object', () => {
    const additions = new WorkflowAdditions(info.maxAdditionsBytes);
    const handle = workflowHandle(info, parseWorkflowContext(info), additions);
    assert.equal(handle.workflowInstanceId, 5);
    assert.equal(handle.nodeId, 'B');
    assert.deepEqual(handle.context, { a: { b: 1 } });
    assert.throws(() => {
      (handle.context.a as { b: number }).b = 2;
    }, TypeError);
    assert.equal(additions.toJson(), undefined);
    handle.set('x', 1);
    handle.set('y', ['z']);
    handle.set('x', 2);
    assert.deepEqual(JSON.parse(additions.toJson() ?? ''), { x: 2, y: ['z'] });
  });

  it('refuses what the context cannot hold, at set(), saying why', () => {
    const additions = new WorkflowAdditions(info.maxAdditionsBytes);
    const handle = workflowHandle(info, parseWorkflowContext(info), additions);
    assert.throws(() => handle.set('n', 10n), WorkflowContextError);
    assert.throws(() => handle.set('f', () => 1), /not JSON-serialisable/);
    assert.throws(() => handle.set('', 1), /key must be a string/);
    assert.throws(() => handle.set('big', 'x'.repeat(100)), /over the limit of 60 bytes/);
    assert.equal(additions.toJson(), undefined, 'nothing refused was kept');
  });

  it('is read-only in a subtask', () => {
    const handle = workflowHandle(info, parseWorkflowContext(info), undefined);
    assert.throws(() => handle.set('x', 1), /not available in a subtask/);
  });
});

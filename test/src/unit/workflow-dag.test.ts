import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowNodeType, type WorkflowDag } from '@jobnest/common';
import {
  checkDagShape,
  compileDecision,
  DecisionExpressionError,
  evaluateDecision,
  InvalidWorkflowError,
  topologicalOrder,
} from '@jobnest/server/internal';

const job = (id: string) => ({ id, type: WorkflowNodeType.JOB, jobId: 1 });

function refused(dag: WorkflowDag, message: RegExp): void {
  assert.throws(
    () => checkDagShape(dag),
    (err: unknown) => err instanceof InvalidWorkflowError && message.test(err.message),
  );
}

describe('DAG shape', () => {
  it('accepts a diamond and orders it topologically, ties in the order of dag.nodes', () => {
    const dag: WorkflowDag = {
      nodes: [job('D'), job('C'), job('B'), job('A')],
      edges: [
        { from: 'A', to: 'B' },
        { from: 'A', to: 'C' },
        { from: 'B', to: 'D' },
        { from: 'C', to: 'D' },
      ],
    };
    checkDagShape(dag);
    assert.deepEqual(topologicalOrder(dag), ['A', 'C', 'B', 'D']);
  });

  it('refuses each broken DAG naming its problem', () => {
    refused({ nodes: [], edges: [] }, /at least one node/);
    refused({ nodes: [job('a'), job('A')], edges: [] }, /duplicate node id 'A' \(also 'a'\)/);
    refused({ nodes: [job('a b')], edges: [] }, /node id 'a b' must be/);
    refused({ nodes: [job('a')], edges: [{ from: 'a', to: 'x' }] }, /unknown node 'x'/);
    refused({ nodes: [job('a')], edges: [{ from: 'a', to: 'a' }] }, /cannot depend on itself/);
    refused(
      {
        nodes: [job('a'), job('b')],
        edges: [
          { from: 'a', to: 'b' },
          { from: 'a', to: 'b' },
        ],
      },
      /appears twice/,
    );
    refused(
      {
        nodes: [job('a'), job('b')],
        edges: [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      },
      /no root/,
    );
    refused(
      {
        nodes: [job('r'), job('a'), job('b')],
        edges: [
          { from: 'r', to: 'a' },
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      },
      /cycle through node 'a'/,
    );
    refused(
      {
        nodes: [{ id: 'd', type: WorkflowNodeType.DECISION, expression: 'true' }, job('a')],
        edges: [{ from: 'd', to: 'a' }],
      },
      /without a label/,
    );
    refused(
      { nodes: [job('a'), job('b')], edges: [{ from: 'a', to: 'b', label: 'true' }] },
      /only edges out of a DECISION/,
    );
    refused({ nodes: [{ id: 'a', type: WorkflowNodeType.JOB }], edges: [] }, /needs jobId/);
    refused(
      { nodes: [{ id: 'a', type: WorkflowNodeType.JOB, jobId: 1, expression: 'true' }], edges: [] },
      /'expression' does not belong to a JOB node/,
    );
    refused({ nodes: [{ id: 'a', type: WorkflowNodeType.NESTED_WORKFLOW }], edges: [] }, /needs workflowId/);
  });
});

describe('decision expressions (CEL)', () => {
  it('compiles bool expressions over context and refuses the rest', () => {
    compileDecision('context.amount > 100 && context.region == "eu"');
    compileDecision('has(context.flag)');
    assert.throws(() => compileDecision('context.amount >'), DecisionExpressionError);
    assert.throws(() => compileDecision('process.exit(1)'), /Unknown variable: process/);
    assert.throws(() => compileDecision('"text"'), /yields string, not a bool/);
  });

  it('evaluates over the context, and refuses a non-bool outcome', () => {
    assert.equal(evaluateDecision('context.amount > 100', { amount: 150 }), true);
    assert.equal(evaluateDecision('context.amount > 100', { amount: 1.5 }), false);
    assert.equal(evaluateDecision('has(context.x)', {}), false);
    assert.throws(() => evaluateDecision('context.x', { x: 'yes' }), /yielded string, not a bool/);
    assert.throws(() => evaluateDecision('context.missing == 1', {}), /No such key: missing/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InstanceStatus,
  WorkflowInstanceStatus,
  WorkflowNodeStatus,
  WorkflowNodeType,
  type WorkflowDag,
} from '@jobnest/common';
import type { WorkflowNodeState } from '@jobnest/persistence';
import {
  evaluateDecision,
  planTransition,
  waitingNode,
  type NodeInstanceFact,
  type PlanInput,
} from '@jobnest/server/internal';

const job = (id: string, extra: Partial<WorkflowDag['nodes'][number]> = {}) => ({
  id,
  type: WorkflowNodeType.JOB,
  jobId: 1,
  ...extra,
});

const DIAMOND: WorkflowDag = {
  nodes: [job('A'), job('B'), job('C'), job('D')],
  edges: [
    { from: 'A', to: 'B' },
    { from: 'A', to: 'C' },
    { from: 'B', to: 'D' },
    { from: 'C', to: 'D' },
  ],
};

function input(dag: WorkflowDag, over: Partial<PlanInput> = {}): PlanInput {
  return {
    dag,
    continueOnFailure: false,
    states: Object.fromEntries(dag.nodes.map((n) => [n.id, waitingNode()])),
    initialContext: {},
    jobRuns: [],
    childRuns: [],
    decide: evaluateDecision,
    maxContextBytes: 65_536,
    now: 1000,
    ...over,
  };
}

/** A node's job instance of attempt 1 in `status`. */
function ran(
  nodeId: string,
  status: InstanceStatus,
  additions: Record<string, unknown> | null = null,
): NodeInstanceFact {
  return {
    nodeId,
    attempt: 1,
    instanceId: nodeId.charCodeAt(0),
    status,
    result: `${nodeId}-result`,
    startTime: 10,
    endTime: status === InstanceStatus.RUNNING ? null : 20,
    additions,
  };
}

/** The states after a previous plan launched `running` (their instances exist). */
function launched(dag: WorkflowDag, running: string[]): Record<string, WorkflowNodeState> {
  const states = Object.fromEntries(dag.nodes.map((n) => [n.id, waitingNode()]));
  for (const id of running) states[id] = { ...states[id]!, status: WorkflowNodeStatus.RUNNING };
  return states;
}

const statusesOf = (states: Record<string, WorkflowNodeState>) =>
  Object.fromEntries(Object.entries(states).map(([id, s]) => [id, s.status]));

describe('planTransition', () => {
  it('launches the roots of a new instance, and nothing else', () => {
    const plan = planTransition(input(DIAMOND));
    assert.deepEqual(
      plan.launches.map((l) => l.node.id),
      ['A'],
    );
    assert.equal(plan.end, undefined);
    assert.deepEqual(statusesOf(plan.states), { A: 'RUNNING', B: 'WAITING', C: 'WAITING', D: 'WAITING' });
  });

  it('launches the join only once both parents ended, with both additions merged in topological order', () => {
    const oneDone = planTransition(
      input(DIAMOND, {
        states: launched(DIAMOND, ['A', 'B', 'C']),
        jobRuns: [
          ran('A', InstanceStatus.SUCCEEDED, { k: 'A' }),
          ran('B', InstanceStatus.SUCCEEDED, { b: 1 }),
          ran('C', InstanceStatus.RUNNING),
        ],
      }),
    );
    assert.deepEqual(oneDone.launches, []);
    const bothDone = planTransition(
      input(DIAMOND, {
        states: launched(DIAMOND, ['A', 'B', 'C']),
        initialContext: { init: true },
        // C ended first: the merge order is still the DAG's (B before C), so C's `k` wins over B's.
        jobRuns: [
          ran('C', InstanceStatus.SUCCEEDED, { c: 1, k: 'C' }),
          ran('B', InstanceStatus.SUCCEEDED, { b: 1, k: 'B' }),
          ran('A', InstanceStatus.SUCCEEDED, { k: 'A' }),
        ],
      }),
    );
    assert.deepEqual(
      bothDone.launches.map((l) => l.node.id),
      ['D'],
    );
    assert.deepEqual(bothDone.context, { init: true, k: 'C', b: 1, c: 1 });
    assert.equal(bothDone.contextJson, JSON.stringify(bothDone.context));
  });

  it('ends SUCCEEDED with the last nodes results once every node ended', () => {
    const plan = planTransition(
      input(DIAMOND, {
        states: launched(DIAMOND, ['A', 'B', 'C', 'D']),
        jobRuns: ['A', 'B', 'C', 'D'].map((id) => ran(id, InstanceStatus.SUCCEEDED)),
      }),
    );
    assert.equal(plan.end?.status, WorkflowInstanceStatus.SUCCEEDED);
    assert.equal(plan.end?.result, JSON.stringify({ D: 'D-result' }));
  });

  it('fails fast: stops running siblings, cancels the waiting nodes, launches nothing', () => {
    const dag: WorkflowDag = {
      nodes: [job('A'), job('B'), job('C'), job('E')],
      edges: [
        { from: 'A', to: 'C' },
        { from: 'B', to: 'E' },
      ],
    };
    const plan = planTransition(
      input(dag, {
        states: launched(dag, ['A', 'B']),
        jobRuns: [ran('A', InstanceStatus.FAILED), { ...ran('B', InstanceStatus.RUNNING), instanceId: 66 }],
      }),
    );
    assert.equal(plan.end?.status, WorkflowInstanceStatus.FAILED);
    assert.match(plan.end?.reason ?? '', /node 'A' failed: A-result/);
    assert.deepEqual(plan.launches, []);
    assert.deepEqual(plan.stopInstances, [66]);
    assert.deepEqual(statusesOf(plan.states), { A: 'FAILED', B: 'STOPPED', C: 'CANCELED', E: 'CANCELED' });
  });

  it('continueOnFailure: the failed branch is canceled, the independent one runs on, the end is FAILED', () => {
    const dag: WorkflowDag = {
      nodes: [job('A'), job('B'), job('C'), job('E')],
      edges: [
        { from: 'A', to: 'C' },
        { from: 'B', to: 'E' },
      ],
    };
    const running = planTransition(
      input(dag, {
        continueOnFailure: true,
        states: launched(dag, ['A', 'B']),
        jobRuns: [ran('A', InstanceStatus.FAILED), ran('B', InstanceStatus.SUCCEEDED)],
      }),
    );
    assert.equal(running.end, undefined);
    assert.deepEqual(
      running.launches.map((l) => l.node.id),
      ['E'],
    );
    assert.equal(running.states.C?.status, WorkflowNodeStatus.CANCELED);
    const ended = planTransition(
      input(dag, {
        continueOnFailure: true,
        states: running.states,
        jobRuns: [
          ran('A', InstanceStatus.FAILED),
          ran('B', InstanceStatus.SUCCEEDED),
          ran('E', InstanceStatus.SUCCEEDED),
        ],
      }),
    );
    assert.equal(ended.end?.status, WorkflowInstanceStatus.FAILED);
  });

  it('skipWhenFailed and disabled nodes let successors run', () => {
    const dag: WorkflowDag = {
      nodes: [job('A', { skipWhenFailed: true }), job('B', { enabled: false }), job('C')],
      edges: [
        { from: 'A', to: 'B' },
        { from: 'B', to: 'C' },
      ],
    };
    const plan = planTransition(
      input(dag, { states: launched(dag, ['A']), jobRuns: [ran('A', InstanceStatus.FAILED)] }),
    );
    assert.deepEqual(statusesOf(plan.states), { A: 'FAILED', B: 'SKIPPED', C: 'RUNNING' });
    assert.deepEqual(
      plan.launches.map((l) => l.node.id),
      ['C'],
    );
  });

  it('evaluates a decision over the context; what only the untaken edge reaches is canceled, recursively', () => {
    const dag: WorkflowDag = {
      nodes: [
        { id: 'd', type: WorkflowNodeType.DECISION, expression: 'context.amount > 100' },
        job('yes'),
        job('no'),
        job('noAfter'),
        job('join'),
      ],
      edges: [
        { from: 'd', to: 'yes', label: 'true' },
        { from: 'd', to: 'no', label: 'false' },
        { from: 'no', to: 'noAfter' },
        { from: 'yes', to: 'join' },
        { from: 'noAfter', to: 'join' },
      ],
    };
    const plan = planTransition(input(dag, { initialContext: { amount: 150 } }));
    assert.equal(plan.states.d?.decision, true);
    assert.deepEqual(statusesOf(plan.states), {
      d: 'SUCCEEDED',
      yes: 'RUNNING',
      no: 'CANCELED',
      noAfter: 'CANCELED',
      join: 'WAITING',
    });
    const other = planTransition(input(dag, { initialContext: { amount: 5 } }));
    assert.deepEqual(
      other.launches.map((l) => l.node.id),
      ['no'],
    );
  });

  it('a decision that cannot be evaluated fails its node, and so the workflow', () => {
    const dag: WorkflowDag = {
      nodes: [{ id: 'd', type: WorkflowNodeType.DECISION, expression: 'context.missing > 1' }, job('x')],
      edges: [{ from: 'd', to: 'x', label: 'true' }],
    };
    const plan = planTransition(input(dag));
    assert.equal(plan.states.d?.status, WorkflowNodeStatus.FAILED);
    assert.match(plan.states.d?.reason ?? '', /decision failed: No such key: missing/);
    assert.equal(plan.end?.status, WorkflowInstanceStatus.FAILED);
  });

  it('an operator override counts as succeeded whatever the instance says', () => {
    const dag: WorkflowDag = { nodes: [job('A'), job('B')], edges: [{ from: 'A', to: 'B' }] };
    const states = launched(dag, []);
    states.A = { ...states.A!, status: WorkflowNodeStatus.SUCCEEDED, markedSucceeded: true };
    const plan = planTransition(input(dag, { states, jobRuns: [ran('A', InstanceStatus.FAILED)] }));
    assert.deepEqual(statusesOf(plan.states), { A: 'SUCCEEDED', B: 'RUNNING' });
  });

  it('reads only the instance of the node attempt: a retried node is not ended by its old run', () => {
    const dag: WorkflowDag = { nodes: [job('A')], edges: [] };
    const states = { A: { ...waitingNode(2), status: WorkflowNodeStatus.RUNNING, instanceId: 99 } };
    const plan = planTransition(input(dag, { states, jobRuns: [ran('A', InstanceStatus.FAILED)] }));
    assert.equal(plan.states.A?.status, WorkflowNodeStatus.RUNNING);
    assert.equal(plan.end, undefined);
    assert.deepEqual(plan.launches, []);
  });

  it('launches again a node written RUNNING whose run was never inserted (its server died in between)', () => {
    const dag: WorkflowDag = { nodes: [job('A'), job('B')], edges: [{ from: 'A', to: 'B' }] };
    const states = launched(dag, ['A', 'B']); // B written RUNNING by the transition that launched it, no instance
    const plan = planTransition(input(dag, { states, jobRuns: [ran('A', InstanceStatus.SUCCEEDED)] }));
    assert.deepEqual(
      plan.launches.map((l) => [l.node.id, l.attempt]),
      [['B', 1]],
    );
    assert.equal(plan.mirrorsOnly, false);
  });

  it('fails the workflow when the merged context is over the limit', () => {
    const dag: WorkflowDag = { nodes: [job('A'), job('B')], edges: [{ from: 'A', to: 'B' }] };
    const plan = planTransition(
      input(dag, {
        maxContextBytes: 100,
        states: launched(dag, ['A']),
        jobRuns: [ran('A', InstanceStatus.SUCCEEDED, { big: 'x'.repeat(200) })],
      }),
    );
    assert.equal(plan.end?.status, WorkflowInstanceStatus.FAILED);
    assert.match(plan.end?.reason ?? '', /context is 210 bytes, over the limit of 100 bytes/);
    assert.deepEqual(plan.launches, []);
  });

  it('flags a transition that only mirrors node runs (nothing decided: it need not be written)', () => {
    const branchEnded = planTransition(
      input(DIAMOND, {
        states: launched(DIAMOND, ['A', 'B', 'C']),
        jobRuns: [
          ran('A', InstanceStatus.SUCCEEDED),
          ran('B', InstanceStatus.SUCCEEDED),
          ran('C', InstanceStatus.RUNNING),
        ],
      }),
    );
    assert.equal(branchEnded.mirrorsOnly, true);
    assert.equal(branchEnded.states.B?.status, WorkflowNodeStatus.SUCCEEDED, 'the mirror itself is in the plan');
    const joinLaunched = planTransition(
      input(DIAMOND, {
        states: launched(DIAMOND, ['A', 'B', 'C']),
        jobRuns: ['A', 'B', 'C'].map((id) => ran(id, InstanceStatus.SUCCEEDED)),
      }),
    );
    assert.equal(joinLaunched.mirrorsOnly, false);
    const dag: WorkflowDag = {
      nodes: [job('A'), { id: 'd', type: WorkflowNodeType.DECISION, expression: 'true' }, job('x'), job('slow')],
      edges: [
        { from: 'A', to: 'd' },
        { from: 'd', to: 'x', label: 'false' },
      ],
    };
    const decided = planTransition(
      input(dag, {
        states: launched(dag, ['A', 'slow']),
        jobRuns: [ran('A', InstanceStatus.SUCCEEDED), ran('slow', InstanceStatus.RUNNING)],
      }),
    );
    assert.deepEqual(decided.launches, []);
    assert.equal(decided.states.x?.status, WorkflowNodeStatus.CANCELED);
    assert.equal(decided.mirrorsOnly, false, 'a decision and a cancel are written');
  });
});

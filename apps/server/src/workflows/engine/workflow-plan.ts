import {
  InstanceStatus,
  WorkflowInstanceStatus,
  WorkflowNodeStatus,
  WorkflowNodeType,
  type WorkflowContext,
  type WorkflowDag,
  type WorkflowNodeDefinition,
} from '@jobnest/common';
import type { WorkflowNodeState } from '@jobnest/persistence';
import { topologicalOrder } from '../definitions/dag-shape';

/** A JOB node's job instance, as the plan reads it. */
export interface NodeInstanceFact {
  nodeId: string;
  attempt: number;
  instanceId: number;
  status: InstanceStatus;
  result: string | null;
  startTime: number | null;
  endTime: number | null;
  /** The keys it added (a SUCCEEDED run only). */
  additions: WorkflowContext | null;
}

/** A NESTED_WORKFLOW node's child workflow instance. */
export interface ChildInstanceFact {
  nodeId: string;
  attempt: number;
  instanceId: number;
  status: WorkflowInstanceStatus;
  result: string | null;
  reason: string | null;
  startTime: number | null;
  endTime: number | null;
  /** The keys the child added to the context it started with (a SUCCEEDED child only). */
  additions: WorkflowContext | null;
}

export interface PlanInput {
  dag: WorkflowDag;
  continueOnFailure: boolean;
  states: Readonly<Record<string, WorkflowNodeState>>;
  initialContext: WorkflowContext;
  jobRuns: readonly NodeInstanceFact[];
  childRuns: readonly ChildInstanceFact[];
  /** Evaluates a decision over the context; throws with a message when it cannot. */
  decide: (expression: string, context: WorkflowContext) => boolean;
  /** Largest JSON size of the context, in bytes. */
  maxContextBytes: number;
  now: number;
}

/** A node to start: a JOB node's instance or a NESTED_WORKFLOW node's child, at the node's attempt. */
export interface NodeLaunch {
  node: WorkflowNodeDefinition;
  attempt: number;
}

export interface WorkflowPlan {
  states: Record<string, WorkflowNodeState>;
  /**
   * True when the transition only mirrors its node runs (statuses, results, times, the context) and decides
   * nothing: no launch, skip, cancel, decision, stop or end. Such a transition need not be written: every later one
   * and the API's read derive the same from the runs.
   */
  mirrorsOnly: boolean;
  context: WorkflowContext;
  contextJson: string;
  launches: NodeLaunch[];
  /** Job instances to stop (the workflow failed while they ran). */
  stopInstances: number[];
  /** Child workflow instances to stop. */
  stopChildren: number[];
  /** Set when the workflow instance ends with this transition. */
  end?: {
    status: WorkflowInstanceStatus.SUCCEEDED | WorkflowInstanceStatus.FAILED;
    result: string;
    reason: string | null;
    /** FAILED by a node: the first such node (alarms name it). */
    failedNodeId?: string;
  };
}

const ENDED: readonly WorkflowNodeStatus[] = [
  WorkflowNodeStatus.SUCCEEDED,
  WorkflowNodeStatus.FAILED,
  WorkflowNodeStatus.STOPPED,
  WorkflowNodeStatus.CANCELED,
  WorkflowNodeStatus.SKIPPED,
];

export function isEndedNode(status: WorkflowNodeStatus): boolean {
  return ENDED.includes(status);
}

/** A fresh node state (attempt 1, nothing run). */
export function waitingNode(attempt = 1): WorkflowNodeState {
  return {
    status: WorkflowNodeStatus.WAITING,
    attempt,
    instanceId: null,
    childInstanceId: null,
    result: null,
    reason: null,
    startTime: null,
    endTime: null,
  };
}

function nodeStatusOfInstance(status: InstanceStatus): WorkflowNodeStatus {
  switch (status) {
    case InstanceStatus.SUCCEEDED:
      return WorkflowNodeStatus.SUCCEEDED;
    case InstanceStatus.FAILED:
      return WorkflowNodeStatus.FAILED;
    case InstanceStatus.STOPPED:
    case InstanceStatus.CANCELED:
      return WorkflowNodeStatus.STOPPED;
    default:
      return WorkflowNodeStatus.RUNNING;
  }
}

function nodeStatusOfChild(status: WorkflowInstanceStatus): WorkflowNodeStatus {
  switch (status) {
    case WorkflowInstanceStatus.SUCCEEDED:
      return WorkflowNodeStatus.SUCCEEDED;
    case WorkflowInstanceStatus.FAILED:
      return WorkflowNodeStatus.FAILED;
    case WorkflowInstanceStatus.STOPPED:
      return WorkflowNodeStatus.STOPPED;
    default:
      return WorkflowNodeStatus.RUNNING;
  }
}

/**
 * One transition of a running workflow instance, computed from what is stored and nothing else, so any server
 * computes the same one and replaying it changes nothing:
 * 1. each node's state is brought in line with its job instance or child workflow instance (of its attempt);
 * 2. the context is the initial context plus the additions of every succeeded node, in topological order (ties:
 *    the order of `dag.nodes`), a later node's key replacing an earlier one's;
 * 3. walking the nodes in topological order, a waiting node whose predecessors all ended either starts (JOB and
 *    NESTED_WORKFLOW are launched, DECISION is evaluated now, a disabled node is SKIPPED) or, when none of its
 *    in-edges is live, is CANCELED. An edge is live when its source succeeded or was skipped (out of a decision:
 *    when its label is the outcome; a disabled decision counts as true) or failed with skipWhenFailed;
 * 4. a failure that is not skippable fails the workflow at once (running nodes are stopped, waiting ones
 *    canceled) unless continueOnFailure lets the other branches finish first; once every node ended, the workflow
 *    ends, with the results of its last nodes (those without successors) as its result.
 */
export function planTransition(input: PlanInput): WorkflowPlan {
  const { dag } = input;
  const order = topologicalOrder(dag);
  const byId = new Map(dag.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, { from: string; label?: 'true' | 'false' }[]>(dag.nodes.map((n) => [n.id, []]));
  const hasSuccessor = new Set<string>();
  for (const e of dag.edges) {
    incoming.get(e.to)?.push({ from: e.from, label: e.label });
    hasSuccessor.add(e.from);
  }
  const { states, context, contextJson } = liveNodeStates(input, order);
  const mirrored = JSON.stringify(states);
  if (Buffer.byteLength(contextJson) > input.maxContextBytes) {
    return failWith(
      input,
      states,
      context,
      contextJson,
      hasSuccessor,
      `the workflow context is ${Buffer.byteLength(contextJson)} bytes, over the limit of ${input.maxContextBytes} bytes`,
    );
  }

  const launches: NodeLaunch[] = [];
  const edgeLive = (from: string, label: 'true' | 'false' | undefined): boolean => {
    const source = states[from]!;
    const node = byId.get(from)!;
    switch (source.status) {
      case WorkflowNodeStatus.SUCCEEDED:
        return node.type !== WorkflowNodeType.DECISION || label === undefined || label === String(source.decision);
      case WorkflowNodeStatus.SKIPPED:
        return node.type !== WorkflowNodeType.DECISION || label !== 'false';
      case WorkflowNodeStatus.FAILED:
      case WorkflowNodeStatus.STOPPED:
        return node.skipWhenFailed === true;
      default:
        return false;
    }
  };
  for (const id of order) {
    const state = states[id]!;
    if (state.status !== WorkflowNodeStatus.WAITING) continue;
    const node = byId.get(id)!;
    const edges = incoming.get(id)!;
    if (edges.some((e) => !isEndedNode(states[e.from]!.status))) continue;
    if (edges.length > 0 && !edges.some((e) => edgeLive(e.from, e.label))) {
      Object.assign(state, {
        status: WorkflowNodeStatus.CANCELED,
        reason: 'not reached: no predecessor leads here (untaken decision branch or failed predecessor)',
        endTime: input.now,
      });
      continue;
    }
    if (node.enabled === false) {
      Object.assign(state, {
        status: WorkflowNodeStatus.SKIPPED,
        reason: 'disabled',
        startTime: input.now,
        endTime: input.now,
      });
      continue;
    }
    if (node.type === WorkflowNodeType.DECISION) {
      try {
        const outcome = input.decide(node.expression ?? '', context);
        Object.assign(state, {
          status: WorkflowNodeStatus.SUCCEEDED,
          decision: outcome,
          result: String(outcome),
          reason: null,
          startTime: input.now,
          endTime: input.now,
        });
      } catch (err) {
        Object.assign(state, {
          status: WorkflowNodeStatus.FAILED,
          result: null,
          reason: `decision failed: ${err instanceof Error ? err.message : String(err)}`,
          startTime: input.now,
          endTime: input.now,
        });
      }
      continue;
    }
    launches.push({ node, attempt: state.attempt });
    Object.assign(state, { status: WorkflowNodeStatus.RUNNING, startTime: input.now, reason: null });
  }

  const blocking = dag.nodes.filter((n) => isBlockingFailure(n, states[n.id]!));
  if (blocking.length > 0 && !input.continueOnFailure) {
    return failWith(
      input,
      states,
      context,
      contextJson,
      hasSuccessor,
      failureReason(blocking, states),
      blocking[0]!.id,
    );
  }
  const plan: WorkflowPlan = {
    states,
    mirrorsOnly: launches.length === 0 && JSON.stringify(states) === mirrored,
    context,
    contextJson,
    launches,
    stopInstances: [],
    stopChildren: [],
  };
  if (dag.nodes.every((n) => isEndedNode(states[n.id]!.status))) {
    plan.end =
      blocking.length > 0
        ? {
            status: WorkflowInstanceStatus.FAILED,
            result: lastResults(dag, states, hasSuccessor),
            reason: failureReason(blocking, states),
            failedNodeId: blocking[0]!.id,
          }
        : { status: WorkflowInstanceStatus.SUCCEEDED, result: lastResults(dag, states, hasSuccessor), reason: null };
  }
  return plan;
}

/** A failed or stopped node that is neither skippable nor overridden. */
function isBlockingFailure(node: WorkflowNodeDefinition, state: WorkflowNodeState): boolean {
  return (
    (state.status === WorkflowNodeStatus.FAILED || state.status === WorkflowNodeStatus.STOPPED) &&
    node.skipWhenFailed !== true
  );
}

function failureReason(blocking: WorkflowNodeDefinition[], states: Record<string, WorkflowNodeState>): string {
  const first = blocking[0]!;
  const state = states[first.id]!;
  const why = state.reason ?? state.result ?? '';
  const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more node(s))` : '';
  return `node '${first.id}' ${state.status === WorkflowNodeStatus.STOPPED ? 'was stopped' : 'failed'}${why ? `: ${why}` : ''}${more}`;
}

/** Fails the workflow now: running nodes are to be stopped, waiting ones are canceled, nothing is launched. */
function failWith(
  input: PlanInput,
  states: Record<string, WorkflowNodeState>,
  context: WorkflowContext,
  contextJson: string,
  hasSuccessor: Set<string>,
  reason: string,
  failedNodeId?: string,
): WorkflowPlan {
  const stopInstances: number[] = [];
  const stopChildren: number[] = [];
  for (const node of input.dag.nodes) {
    const state = states[node.id]!;
    if (state.status === WorkflowNodeStatus.RUNNING) {
      if (state.instanceId !== null) stopInstances.push(state.instanceId);
      if (state.childInstanceId !== null) stopChildren.push(state.childInstanceId);
      // A node launched in this very transition has no instance yet: it is simply not launched.
      Object.assign(state, {
        status:
          state.instanceId === null && state.childInstanceId === null
            ? WorkflowNodeStatus.CANCELED
            : WorkflowNodeStatus.STOPPED,
        reason: 'the workflow failed',
        endTime: input.now,
      });
    } else if (state.status === WorkflowNodeStatus.WAITING) {
      Object.assign(state, { status: WorkflowNodeStatus.CANCELED, reason: 'the workflow failed', endTime: input.now });
    }
  }
  return {
    states,
    mirrorsOnly: false,
    context,
    contextJson,
    launches: [],
    stopInstances,
    stopChildren,
    end: {
      status: WorkflowInstanceStatus.FAILED,
      result: lastResults(input.dag, states, hasSuccessor),
      reason,
      ...(failedNodeId === undefined ? {} : { failedNodeId }),
    },
  };
}

/**
 * The node states and context as the stored runs make them now, before any decision of a transition (step 1 and 2
 * of planTransition): what the API shows of a running instance.
 */
export function liveNodeStates(
  input: Pick<PlanInput, 'dag' | 'states' | 'initialContext' | 'jobRuns' | 'childRuns'>,
  order: string[] = topologicalOrder(input.dag),
): { states: Record<string, WorkflowNodeState>; context: WorkflowContext; contextJson: string } {
  const states: Record<string, WorkflowNodeState> = {};
  for (const node of input.dag.nodes) states[node.id] = { ...(input.states[node.id] ?? waitingNode()) };
  refreshFromRuns(input, states);
  return { states, ...mergeContext(input, order, states) };
}

/** Brings each node in line with the job instance or child workflow instance of its attempt. */
function refreshFromRuns(
  input: Pick<PlanInput, 'jobRuns' | 'childRuns'>,
  states: Record<string, WorkflowNodeState>,
): void {
  for (const run of input.jobRuns) {
    const state = states[run.nodeId];
    if (!state || run.attempt !== state.attempt) continue;
    state.instanceId = run.instanceId;
    state.startTime = run.startTime ?? state.startTime;
    if (state.markedSucceeded) continue;
    state.status = nodeStatusOfInstance(run.status);
    state.result = run.result;
    state.endTime = run.endTime;
  }
  for (const run of input.childRuns) {
    const state = states[run.nodeId];
    if (!state || run.attempt !== state.attempt) continue;
    state.childInstanceId = run.instanceId;
    state.startTime = run.startTime ?? state.startTime;
    if (state.markedSucceeded) continue;
    state.status = nodeStatusOfChild(run.status);
    state.result = run.result;
    state.reason = run.status === WorkflowInstanceStatus.FAILED ? run.reason : state.reason;
    state.endTime = run.endTime;
  }
  // A node written RUNNING by a transition whose launch has no run yet: that launch is in flight on another
  // server, or was lost with its server. It waits again, so this transition launches it: the unique (workflow
  // instance, node, attempt) key lets one of the two inserts through.
  const launchedRuns = new Set([...input.jobRuns, ...input.childRuns].map((r) => `${r.nodeId}\n${r.attempt}`));
  for (const [nodeId, state] of Object.entries(states)) {
    if (state.markedSucceeded) state.status = WorkflowNodeStatus.SUCCEEDED;
    else if (
      state.status === WorkflowNodeStatus.RUNNING &&
      state.instanceId === null &&
      state.childInstanceId === null &&
      !launchedRuns.has(`${nodeId}\n${state.attempt}`)
    )
      state.status = WorkflowNodeStatus.WAITING;
  }
}

/** The initial context plus each succeeded node's additions, in topological order. */
function mergeContext(
  input: Pick<PlanInput, 'initialContext' | 'jobRuns' | 'childRuns'>,
  order: string[],
  states: Record<string, WorkflowNodeState>,
): { context: WorkflowContext; contextJson: string } {
  const additions = new Map<string, WorkflowContext>();
  for (const run of [...input.jobRuns, ...input.childRuns]) {
    const state = states[run.nodeId];
    if (state && run.attempt === state.attempt && run.additions && state.status === WorkflowNodeStatus.SUCCEEDED)
      additions.set(run.nodeId, run.additions);
  }
  const context: WorkflowContext = { ...input.initialContext };
  for (const id of order) Object.assign(context, additions.get(id) ?? {});
  return { context, contextJson: JSON.stringify(context) };
}

/** The results of the nodes without successors that ran (node id -> result), as JSON. */
function lastResults(dag: WorkflowDag, states: Record<string, WorkflowNodeState>, hasSuccessor: Set<string>): string {
  const results: Record<string, string | null> = {};
  for (const node of dag.nodes) {
    const state = states[node.id]!;
    if (hasSuccessor.has(node.id)) continue;
    if (state.status === WorkflowNodeStatus.CANCELED || state.status === WorkflowNodeStatus.SKIPPED) continue;
    results[node.id] = state.result;
  }
  return JSON.stringify(results);
}

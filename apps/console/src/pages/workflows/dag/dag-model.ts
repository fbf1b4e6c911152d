import { MarkerType } from '@xyflow/react';
import type { EdgeLabel, WorkflowDag, WorkflowEdge, WorkflowNode, WorkflowNodeType } from '../../../api/workflow-types';
import { layoutNodes } from './dag-layout';
import type { WfEdge, WfNode } from './flow-types';

export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function edgeId(from: string, to: string): string {
  return `${from}->${to}`;
}

export function toFlowEdge(edge: WorkflowEdge): WfEdge {
  return {
    id: edgeId(edge.from, edge.to),
    source: edge.from,
    target: edge.to,
    label: edge.label,
    data: { label: edge.label },
    markerEnd: { type: MarkerType.ArrowClosed },
    className: edge.label ? `edge-${edge.label}` : undefined,
  };
}

export function toFlowNode(def: WorkflowNode): WfNode {
  return { id: def.id, type: 'wf', position: { x: 0, y: 0 }, data: { def } };
}

/** The DAG as canvas nodes and edges, laid out by dagre. */
export function dagToFlow(dag: WorkflowDag): { nodes: WfNode[]; edges: WfEdge[] } {
  const edges = dag.edges.map(toFlowEdge);
  return { nodes: layoutNodes(dag.nodes.map(toFlowNode), edges), edges };
}

/** Only the fields of the node's type (the API refuses the others), defaults left out. */
export function cleanNode(def: WorkflowNode): WorkflowNode {
  const node: WorkflowNode = { id: def.id, type: def.type };
  if (def.name !== undefined && def.name.trim() !== '') node.name = def.name.trim();
  if (def.enabled === false) node.enabled = false;
  if (def.skipWhenFailed === true) node.skipWhenFailed = true;
  if (def.type === 'JOB') {
    if (def.jobId !== undefined) node.jobId = def.jobId;
    if (def.params !== undefined && def.params !== '') node.params = def.params;
    if (def.instanceRetries !== undefined) node.instanceRetries = def.instanceRetries;
    if (def.instanceTimeLimitMs !== undefined) node.instanceTimeLimitMs = def.instanceTimeLimitMs;
  } else if (def.type === 'DECISION') {
    node.expression = def.expression ?? '';
  } else if (def.workflowId !== undefined) {
    node.workflowId = def.workflowId;
  }
  return node;
}

export function flowToDag(nodes: WfNode[], edges: WfEdge[]): WorkflowDag {
  return {
    nodes: nodes.map((n) => cleanNode(n.data.def)),
    edges: edges.map((e) => {
      const edge: WorkflowEdge = { from: e.source, to: e.target };
      if (e.data?.label) edge.label = e.data.label;
      return edge;
    }),
  };
}

const PREFIX: Record<WorkflowNodeType, string> = { JOB: 'job', DECISION: 'decision', NESTED_WORKFLOW: 'nested' };

export function newNodeId(type: WorkflowNodeType, nodes: WfNode[]): string {
  const taken = new Set(nodes.map((n) => n.id.toLowerCase()));
  for (let i = 1; ; i++) {
    const id = `${PREFIX[type]}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** The branch a new edge out of a DECISION node takes: 'true' first, then 'false'. */
export function nextDecisionLabel(source: string, edges: WfEdge[]): EdgeLabel {
  return edges.some((e) => e.source === source && e.data?.label === 'true') ? 'false' : 'true';
}

/** Why an edge cannot be added, or null. */
export function edgeProblem(from: string, to: string, edges: WfEdge[]): string | null {
  if (from === to) return 'A node cannot depend on itself.';
  if (edges.some((e) => e.source === from && e.target === to)) return 'This edge exists already.';
  // Would close a cycle when `to` already reaches `from`.
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const stack = [to];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === from) return 'This edge would close a cycle.';
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return null;
}

export function makeEdge(from: string, to: string, nodes: WfNode[], edges: WfEdge[]): WfEdge {
  const source = nodes.find((n) => n.id === from);
  const label = source?.data.def.type === 'DECISION' ? nextDecisionLabel(from, edges) : undefined;
  return toFlowEdge({ from, to, label });
}

/** Renames a node and rewires its edges. */
export function renameNode(
  oldId: string,
  newId: string,
  nodes: WfNode[],
  edges: WfEdge[],
): { nodes: WfNode[]; edges: WfEdge[] } {
  return {
    nodes: nodes.map((n) =>
      n.id === oldId ? { ...n, id: newId, data: { ...n.data, def: { ...n.data.def, id: newId } } } : n,
    ),
    edges: edges.map((e) => {
      if (e.source !== oldId && e.target !== oldId) return e;
      const from = e.source === oldId ? newId : e.source;
      const to = e.target === oldId ? newId : e.target;
      return { ...toFlowEdge({ from, to, label: e.data?.label }), selected: e.selected };
    }),
  };
}

import { JobnestError, WorkflowNodeType, type WorkflowDag, type WorkflowNodeDefinition } from '@jobnest/common';

/** A workflow definition cannot be used; the message names the node, edge or field. Answered as HTTP 400. */
export class InvalidWorkflowError extends JobnestError {
  constructor(message: string) {
    super(message, 'WORKFLOW_INVALID');
  }
}

/** Most nodes in one DAG. */
export const MAX_WORKFLOW_NODES = 1000;
/** Most edges in one DAG. */
export const MAX_WORKFLOW_EDGES = 5000;
const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Fields each node type may carry besides the common ones. */
const TYPE_FIELDS: Record<WorkflowNodeType, readonly (keyof WorkflowNodeDefinition)[]> = {
  [WorkflowNodeType.JOB]: ['jobId', 'params', 'instanceRetries', 'instanceTimeLimitMs'],
  [WorkflowNodeType.DECISION]: ['expression'],
  [WorkflowNodeType.NESTED_WORKFLOW]: ['workflowId'],
};
const ALL_TYPE_FIELDS = new Set(Object.values(TYPE_FIELDS).flat());

/**
 * The checks of a DAG that need nothing but the DAG: node ids unique (case-insensitively: MySQL compares them so),
 * edges between known nodes, no self-loop or duplicate edge, decision edges labelled and only those, at least one
 * root, no cycle, and each node carrying the fields of its type. Jobs, nested workflows and CEL are checked by the
 * caller. Throws InvalidWorkflowError naming the first problem.
 */
export function checkDagShape(dag: WorkflowDag): void {
  const { nodes, edges } = dag;
  if (nodes.length === 0) throw new InvalidWorkflowError('dag.nodes is empty: a workflow needs at least one node');
  if (nodes.length > MAX_WORKFLOW_NODES)
    throw new InvalidWorkflowError(`dag.nodes has ${nodes.length} nodes, more than ${MAX_WORKFLOW_NODES}`);
  if (edges.length > MAX_WORKFLOW_EDGES)
    throw new InvalidWorkflowError(`dag.edges has ${edges.length} edges, more than ${MAX_WORKFLOW_EDGES}`);
  const byId = new Map<string, WorkflowNodeDefinition>();
  const folded = new Map<string, string>();
  for (const node of nodes) {
    if (!NODE_ID.test(node.id))
      throw new InvalidWorkflowError(`node id '${node.id}' must be 1-64 letters, digits, '_' or '-'`);
    const twin = folded.get(node.id.toLowerCase());
    if (twin !== undefined) throw new InvalidWorkflowError(`duplicate node id '${node.id}' (also '${twin}')`);
    folded.set(node.id.toLowerCase(), node.id);
    byId.set(node.id, node);
    checkNodeFields(node);
  }
  const seen = new Set<string>();
  for (const edge of edges) {
    const name = `edge ${edge.from} -> ${edge.to}`;
    const from = byId.get(edge.from);
    if (!from) throw new InvalidWorkflowError(`${name}: unknown node '${edge.from}'`);
    if (!byId.has(edge.to)) throw new InvalidWorkflowError(`${name}: unknown node '${edge.to}'`);
    if (edge.from === edge.to) throw new InvalidWorkflowError(`${name}: a node cannot depend on itself`);
    if (seen.has(`${edge.from}\n${edge.to}`)) throw new InvalidWorkflowError(`${name} appears twice`);
    seen.add(`${edge.from}\n${edge.to}`);
    if (from.type === WorkflowNodeType.DECISION) {
      if (edge.label !== 'true' && edge.label !== 'false')
        throw new InvalidWorkflowError(`${name} leaves decision node '${edge.from}' without a label 'true' or 'false'`);
    } else if (edge.label !== undefined) {
      throw new InvalidWorkflowError(`${name} has a label, but only edges out of a DECISION node are labelled`);
    }
  }
  if (!nodes.some((n) => !edges.some((e) => e.to === n.id)))
    throw new InvalidWorkflowError('the DAG has no root: every node has a predecessor, so nothing could start');
  const order = topologicalOrder(dag);
  if (order.length < nodes.length) {
    const inCycle = nodes.find((n) => !order.includes(n.id));
    throw new InvalidWorkflowError(`the DAG has a cycle through node '${inCycle?.id ?? '?'}'`);
  }
}

function checkNodeFields(node: WorkflowNodeDefinition): void {
  const where = `node '${node.id}'`;
  const allowed = TYPE_FIELDS[node.type] as readonly string[] | undefined;
  if (!allowed) {
    throw new InvalidWorkflowError(
      `${where}: type must be one of ${Object.values(WorkflowNodeType).join(', ')} (got '${String(node.type)}')`,
    );
  }
  for (const field of ALL_TYPE_FIELDS) {
    if (node[field] !== undefined && node[field] !== null && !allowed.includes(field))
      throw new InvalidWorkflowError(`${where}: field '${field}' does not belong to a ${node.type} node`);
  }
  if (node.type === WorkflowNodeType.JOB && node.jobId === undefined)
    throw new InvalidWorkflowError(`${where}: a JOB node needs jobId`);
  if (node.type === WorkflowNodeType.DECISION && !node.expression)
    throw new InvalidWorkflowError(`${where}: a DECISION node needs expression (CEL)`);
  if (node.type === WorkflowNodeType.NESTED_WORKFLOW && node.workflowId === undefined)
    throw new InvalidWorkflowError(`${where}: a NESTED_WORKFLOW node needs workflowId`);
}

/**
 * The node ids in an order where every node comes after its predecessors; among nodes free at the same time, the
 * one listed first in `dag.nodes` comes first. This is also the order in which node additions merge into the
 * context. Nodes on a cycle are left out. O((nodes + edges) log nodes): the free nodes wait in a min-heap of their
 * positions (a transition of a 1,000-node DAG runs this every time).
 */
export function topologicalOrder(dag: WorkflowDag): string[] {
  const position = new Map(dag.nodes.map((n, i) => [n.id, i]));
  const indegree = new Array<number>(dag.nodes.length).fill(0);
  const successors: number[][] = dag.nodes.map(() => []);
  for (const e of dag.edges) {
    const from = position.get(e.from);
    const to = position.get(e.to);
    if (from === undefined || to === undefined) continue;
    indegree[to]!++;
    successors[from]!.push(to);
  }
  const free = new MinHeap();
  indegree.forEach((d, i) => {
    if (d === 0) free.push(i);
  });
  const order: string[] = [];
  for (let i = free.pop(); i !== undefined; i = free.pop()) {
    order.push(dag.nodes[i]!.id);
    for (const next of successors[i]!) if (--indegree[next]! === 0) free.push(next);
  }
  return order;
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < a.length && a[l]! < a[smallest]!) smallest = l;
        if (r < a.length && a[r]! < a[smallest]!) smallest = r;
        if (smallest === i) break;
        [a[smallest], a[i]] = [a[i]!, a[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}

import { errorMessages } from '../../../api/errors';
import type { WorkflowDag } from '../../../api/workflow-types';
import { edgeId } from './dag-model';

export interface DagErrors {
  /** Messages by node id. */
  nodes: Record<string, string[]>;
  /** Messages by edge id (from->to). */
  edges: Record<string, string[]>;
}

export const NO_DAG_ERRORS: DagErrors = { nodes: {}, edges: {} };

function add(map: Record<string, string[]>, key: string, message: string) {
  (map[key] ??= []).push(message);
}

/**
 * Finds the nodes and edges a 400 names: "dag: node 'x': ...", "dag: duplicate node id 'x' (also 'y')",
 * "dag: the DAG has a cycle through node 'x'", "dag: edge a -> b ...", and the validation pipe's
 * "dag.nodes.3.jobId must be ..." (by position in the DAG that was sent).
 */
export function dagErrorsOf(err: unknown, sent: WorkflowDag): DagErrors {
  const result: DagErrors = { nodes: {}, edges: {} };
  const known = new Set(sent.nodes.map((n) => n.id));
  for (const message of errorMessages(err)) {
    const edge = /edge (\S+) -> (\S+?)(?::| |$)/.exec(message);
    if (edge) {
      add(result.edges, edgeId(edge[1]!, edge[2]!), message);
      continue;
    }
    const byIndex = /^dag\.(nodes|edges)\.(\d+)\b/.exec(message);
    if (byIndex) {
      const index = Number(byIndex[2]);
      if (byIndex[1] === 'nodes' && sent.nodes[index]) add(result.nodes, sent.nodes[index].id, message);
      const e = byIndex[1] === 'edges' ? sent.edges[index] : undefined;
      if (e) add(result.edges, edgeId(e.from, e.to), message);
      continue;
    }
    for (const match of message.matchAll(/node(?: id)? '([^']+)'|\(also '([^']+)'\)/g)) {
      const id = match[1] ?? match[2];
      if (id !== undefined && known.has(id)) add(result.nodes, id, message);
    }
  }
  return result;
}

import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import { NODE_HEIGHT, NODE_WIDTH } from './flow-types';

/** Top-to-bottom layered layout of the DAG (dagre); returns the nodes with new positions. */
export function layoutNodes<N extends Node>(nodes: N[], edges: Edge[]): N[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  const size = (n: N) => ({ width: n.measured?.width ?? NODE_WIDTH, height: n.measured?.height ?? NODE_HEIGHT });
  for (const node of nodes) graph.setNode(node.id, size(node));
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  return nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number } | undefined;
    if (!placed) return node;
    const { width, height } = size(node);
    return { ...node, position: { x: placed.x - width / 2, y: placed.y - height / 2 } };
  });
}

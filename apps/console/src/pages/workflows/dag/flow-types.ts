import type { Edge, Node } from '@xyflow/react';
import type { EdgeLabel, WorkflowNode, WorkflowNodeRun } from '../../../api/workflow-types';

/** Data of one DAG node on the canvas: its definition, and in the run view where it stands. */
export type WfNodeData = {
  def: WorkflowNode;
  /** Messages of the last failed save that name this node. */
  errors?: string[];
  run?: WorkflowNodeRun;
};

export type WfNode = Node<WfNodeData, 'wf'>;

export type WfEdgeData = {
  label?: EdgeLabel;
  errors?: string[];
};

export type WfEdge = Edge<WfEdgeData>;

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 84;

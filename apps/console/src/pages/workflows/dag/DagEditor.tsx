import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import type { WorkflowNode, WorkflowNodeType } from '../../../api/workflow-types';
import { layoutNodes } from './dag-layout';
import type { DagErrors } from './dag-errors';
import { edgeProblem, makeEdge, newNodeId, renameNode, toFlowEdge } from './dag-model';
import { nodeTypes } from './DagNodeCard';
import { EdgePanel } from './EdgePanel';
import { NODE_HEIGHT, type WfEdge, type WfNode } from './flow-types';
import { NodePanel } from './NodePanel';

interface DagEditorProps {
  app: string;
  workflowId?: number;
  nodes: WfNode[];
  edges: WfEdge[];
  setNodes: Dispatch<SetStateAction<WfNode[]>>;
  setEdges: Dispatch<SetStateAction<WfEdge[]>>;
  errors: DagErrors;
  readOnly: boolean;
}

const NEW_NODE: Record<WorkflowNodeType, (id: string) => WorkflowNode> = {
  JOB: (id) => ({ id, type: 'JOB' }),
  DECISION: (id) => ({ id, type: 'DECISION', expression: '' }),
  NESTED_WORKFLOW: (id) => ({ id, type: 'NESTED_WORKFLOW' }),
};

/**
 * The DAG canvas (@xyflow/react): add nodes from the toolbar, connect them by dragging from a node's bottom handle
 * to another's top (or with "Connect to" in the side panel), edit the selected node or edge in the side panel.
 */
export function DagEditor({ app, workflowId, nodes, edges, setNodes, setEdges, errors, readOnly }: DagEditorProps) {
  const flow = useReactFlow<WfNode, WfEdge>();
  const [notice, setNotice] = useState<string | null>(null);

  const onNodesChange = useCallback(
    (changes: NodeChange<WfNode>[]) => setNodes((current) => applyNodeChanges(changes, current)),
    [setNodes],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<WfEdge>[]) => setEdges((current) => applyEdgeChanges(changes, current)),
    [setEdges],
  );

  const connect = useCallback(
    (from: string, to: string): string | null => {
      const problem = edgeProblem(from, to, edges);
      if (problem) {
        setNotice(problem);
        return problem;
      }
      setNotice(null);
      setEdges((current) => [...current, makeEdge(from, to, nodes, current)]);
      return null;
    },
    [edges, nodes, setEdges],
  );

  const onConnect = useCallback((c: Connection) => void connect(c.source, c.target), [connect]);

  const fit = () => window.requestAnimationFrame(() => void flow.fitView({ padding: 0.2, maxZoom: 1, duration: 200 }));

  const addNode = (type: WorkflowNodeType) => {
    const id = newNodeId(type, nodes);
    const bottom = nodes.reduce((max, n) => Math.max(max, n.position.y + (n.measured?.height ?? NODE_HEIGHT)), 0);
    const left = nodes.length > 0 ? nodes.reduce((sum, n) => sum + n.position.x, 0) / nodes.length : 0;
    const node: WfNode = {
      id,
      type: 'wf',
      position: { x: left, y: nodes.length > 0 ? bottom + 60 : 0 },
      data: { def: NEW_NODE[type](id) },
      selected: true,
    };
    setNodes((current) => [...current.map((n) => (n.selected ? { ...n, selected: false } : n)), node]);
    setEdges((current) => current.map((e) => (e.selected ? { ...e, selected: false } : e)));
    fit();
  };

  const autoLayout = () => {
    setNodes((current) => layoutNodes(current, edges));
    fit();
  };

  const selectedNode = nodes.find((n) => n.selected);
  const selectedEdge = selectedNode ? undefined : edges.find((e) => e.selected);

  const displayNodes = useMemo(
    () => nodes.map((n) => (errors.nodes[n.id] ? { ...n, data: { ...n.data, errors: errors.nodes[n.id] } } : n)),
    [nodes, errors],
  );
  const displayEdges = useMemo(
    () =>
      edges.map((e) =>
        errors.edges[e.id]
          ? { ...e, className: `${e.className ?? ''} edge-error`, data: { ...e.data, errors: errors.edges[e.id] } }
          : e,
      ),
    [edges, errors],
  );

  return (
    <div className="dag-editor">
      {!readOnly && (
        <div className="toolbar" role="toolbar" aria-label="DAG tools">
          <button type="button" onClick={() => addNode('JOB')}>
            Add job node
          </button>
          <button type="button" onClick={() => addNode('DECISION')}>
            Add decision node
          </button>
          <button type="button" onClick={() => addNode('NESTED_WORKFLOW')}>
            Add nested workflow node
          </button>
          <button type="button" onClick={autoLayout} disabled={nodes.length === 0}>
            Auto layout
          </button>
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <div className="dag-main">
        <div className="dag-canvas">
          <ReactFlow<WfNode, WfEdge>
            nodes={displayNodes}
            edges={displayEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={(c) => c.source !== c.target}
            nodesConnectable={!readOnly}
            deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']}
            fitView
            fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
            minZoom={0.2}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
          {nodes.length === 0 && (
            <p className="dag-empty">
              {readOnly ? 'This workflow has no node.' : 'No node yet: add one with the buttons above.'}
            </p>
          )}
        </div>
        <aside className="dag-panel">
          {selectedNode ? (
            <NodePanel
              key={selectedNode.id}
              app={app}
              node={selectedNode}
              nodes={nodes}
              readOnly={readOnly}
              workflowId={workflowId}
              onChange={(def) =>
                setNodes((current) =>
                  current.map((n) => (n.id === selectedNode.id ? { ...n, data: { ...n.data, def } } : n)),
                )
              }
              onRename={(newId) => {
                const renamed = renameNode(selectedNode.id, newId, nodes, edges);
                setNodes(renamed.nodes);
                setEdges(renamed.edges);
              }}
              onConnect={(target) => connect(selectedNode.id, target)}
              onDelete={() => void flow.deleteElements({ nodes: [{ id: selectedNode.id }] })}
            />
          ) : selectedEdge ? (
            <EdgePanel
              key={selectedEdge.id}
              edge={displayEdges.find((e) => e.id === selectedEdge.id) ?? selectedEdge}
              fromDecision={nodes.find((n) => n.id === selectedEdge.source)?.data.def.type === 'DECISION'}
              readOnly={readOnly}
              onLabel={(label) =>
                setEdges((current) =>
                  current.map((e) =>
                    e.id === selectedEdge.id
                      ? { ...toFlowEdge({ from: e.source, to: e.target, label }), selected: true }
                      : e,
                  ),
                )
              }
              onDelete={() => void flow.deleteElements({ edges: [{ id: selectedEdge.id }] })}
            />
          ) : (
            <p className="muted">
              Select a node or an edge to edit it.
              {!readOnly && ' Drag from the bottom handle of a node to the top of another to connect them.'}
            </p>
          )}
        </aside>
      </div>
    </div>
  );
}

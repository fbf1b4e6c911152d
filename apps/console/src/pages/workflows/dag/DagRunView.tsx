import { applyNodeChanges, Background, Controls, ReactFlow, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';
import type { WorkflowInstance, WorkflowNode } from '../../../api/workflow-types';
import { layoutNodes } from './dag-layout';
import { toFlowEdge } from './dag-model';
import { nodeTypes } from './DagNodeCard';
import type { WfNode } from './flow-types';

interface DagRunViewProps {
  instance: WorkflowInstance;
  /** The workflow's node definitions, for the fields a run does not carry (expression, flags). */
  definitions: WorkflowNode[];
  selectedId: string | null;
  onSelect: (nodeId: string | null) => void;
}

function structureKey(instance: WorkflowInstance): string {
  return JSON.stringify([instance.nodes.map((n) => n.id), instance.edges]);
}

/** The DAG of one run, each node coloured and labelled by its status. */
export function DagRunView({ instance, definitions, selectedId, onSelect }: DagRunViewProps) {
  const structure = structureKey(instance);
  const edges = useMemo(() => instance.edges.map(toFlowEdge), [instance.edges]);
  const [nodes, setNodes] = useState<WfNode[]>([]);

  // Laid out when the structure changes (once per run; `structure` stands for instance.nodes and edges), not at
  // every poll: afterwards only the node data follows the polls.
  useEffect(() => {
    setNodes(
      layoutNodes(
        instance.nodes.map((run) => ({
          id: run.id,
          type: 'wf' as const,
          position: { x: 0, y: 0 },
          data: { def: { id: run.id, type: run.type }, run },
        })),
        instance.edges.map(toFlowEdge),
      ),
    );
  }, [structure]);

  const byId = useMemo(() => new Map(definitions.map((d) => [d.id, d])), [definitions]);
  const runs = useMemo(() => new Map(instance.nodes.map((n) => [n.id, n])), [instance.nodes]);
  const shown = useMemo(
    () =>
      nodes.map((n) => {
        const run = runs.get(n.id);
        const def: WorkflowNode = {
          ...(byId.get(n.id) ?? { id: n.id, type: n.data.def.type }),
          name: run?.name,
          jobId: run?.jobId ?? undefined,
          workflowId: run?.workflowId ?? undefined,
        };
        return { ...n, selected: n.id === selectedId, data: { def, run } };
      }),
    [nodes, runs, byId, selectedId],
  );

  const onNodesChange = (changes: NodeChange<WfNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    const selections = changes.filter((c) => c.type === 'select');
    const picked = selections.find((c) => c.selected);
    if (picked) onSelect(picked.id);
    else if (selections.some((c) => c.id === selectedId)) onSelect(null);
  };

  return (
    <div className="dag-canvas">
      <ReactFlow<WfNode>
        nodes={shown}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_e, node) => onSelect(node.id)}
        nodesConnectable={false}
        deleteKeyCode={null}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

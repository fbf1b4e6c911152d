import { Handle, Position, type NodeProps } from '@xyflow/react';
import { StatusBadge } from '../../../components/StatusBadge';
import type { WfNode } from './flow-types';

const TYPE_LABEL = { JOB: 'Job', DECISION: 'Decision', NESTED_WORKFLOW: 'Nested workflow' } as const;

function detailOf(node: WfNode['data']['def']): string {
  switch (node.type) {
    case 'JOB':
      return node.jobId !== undefined ? `job #${node.jobId}` : 'no job chosen';
    case 'DECISION':
      return node.expression ? node.expression : 'no expression';
    case 'NESTED_WORKFLOW':
      return node.workflowId !== undefined ? `workflow #${node.workflowId}` : 'no workflow chosen';
  }
}

/** One DAG node: type, name, what it runs, its flags, its status (run view) and its save errors. */
export function DagNodeCard({ data, selected, isConnectable }: NodeProps<WfNode>) {
  const { def, run, errors } = data;
  const status = run?.status;
  const classes = [
    'dag-node',
    `dag-node-${def.type.toLowerCase()}`,
    status ? `dag-status-${status.toLowerCase()}` : '',
    errors && errors.length > 0 ? 'dag-node-error' : '',
    selected ? 'dag-node-selected' : '',
    def.enabled === false ? 'dag-node-disabled' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes} data-testid={`dag-node-${def.id}`}>
      <Handle type="target" position={Position.Top} isConnectable={isConnectable} />
      <div className="dag-node-type">{TYPE_LABEL[def.type]}</div>
      <div className="dag-node-name">{def.name || def.id}</div>
      {def.name && def.name !== def.id && <div className="dag-node-id">{def.id}</div>}
      <div className="dag-node-detail">
        {run?.decision !== null && run?.decision !== undefined ? `→ ${String(run.decision)}` : detailOf(def)}
      </div>
      {(def.enabled === false || def.skipWhenFailed) && (
        <div className="dag-node-flags">
          {def.enabled === false && <span>disabled</span>}
          {def.skipWhenFailed && <span>skip when failed</span>}
        </div>
      )}
      {status && (
        <div>
          <StatusBadge status={status} />
          {run && run.attempt > 1 && <span className="small"> attempt {run.attempt}</span>}
        </div>
      )}
      {errors && errors.length > 0 && (
        <div className="dag-node-errors" role="alert">
          {errors.map((e) => (
            <p key={e}>{e}</p>
          ))}
        </div>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={isConnectable} />
    </div>
  );
}

export const nodeTypes = { wf: DagNodeCard };

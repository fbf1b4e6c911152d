import { useState } from 'react';
import { listJobs } from '../../../api/jobs';
import { keys } from '../../../api/query-keys';
import type { WorkflowNode } from '../../../api/workflow-types';
import { listWorkflows } from '../../../api/workflows';
import { CheckboxField, Field } from '../../../components/Field';
import { PagedSelect } from '../../../components/PagedSelect';
import { NODE_ID_PATTERN } from './dag-model';
import type { WfNode } from './flow-types';

interface NodePanelProps {
  app: string;
  node: WfNode;
  nodes: WfNode[];
  readOnly: boolean;
  /** The workflow being edited (a nested node cannot run it). */
  workflowId?: number;
  onChange: (def: WorkflowNode) => void;
  onRename: (newId: string) => void;
  onConnect: (targetId: string) => string | null;
  onDelete: () => void;
}

function optionalInt(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The selected node's fields and flags, and keyboard ways to connect or delete it. */
export function NodePanel(props: NodePanelProps) {
  const { app, node, nodes, readOnly, workflowId, onChange, onRename, onConnect, onDelete } = props;
  const def = node.data.def;
  const [idText, setIdText] = useState(def.id);
  const [idError, setIdError] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [connectError, setConnectError] = useState<string | null>(null);
  const set = (changes: Partial<WorkflowNode>) => onChange({ ...def, ...changes });

  const commitId = () => {
    const next = idText.trim();
    if (next === def.id) return setIdError(null);
    if (!NODE_ID_PATTERN.test(next)) return setIdError("1-64 letters, digits, '_' or '-'");
    if (nodes.some((n) => n.id !== def.id && n.id.toLowerCase() === next.toLowerCase())) {
      return setIdError('Another node has this id.');
    }
    setIdError(null);
    onRename(next);
  };

  const others = nodes.filter((n) => n.id !== def.id);

  return (
    <fieldset disabled={readOnly} className="node-panel-fields">
      <legend>
        {def.type} node {def.id}
      </legend>
      <Field
        id="node-id"
        label="Node ID"
        errors={idError ? [idError] : undefined}
        hint="Unique in the DAG; applied when you leave the field"
      >
        {(p) => (
          <input
            {...p}
            value={idText}
            onChange={(e) => setIdText(e.target.value)}
            onBlur={commitId}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                commitId();
              }
            }}
          />
        )}
      </Field>
      <Field id="node-name" label="Node name" hint="Shown in the DAG (default: the id)">
        {(p) => <input {...p} value={def.name ?? ''} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <CheckboxField
        id="node-enabled"
        label="Node enabled"
        hint="Off: the node is not run and counts as succeeded"
        checked={def.enabled !== false}
        onChange={(enabled) => set({ enabled })}
        disabled={readOnly}
      />
      <CheckboxField
        id="node-skip-when-failed"
        label="Skip when failed"
        hint="A failure does not stop the successors nor fail the workflow"
        checked={def.skipWhenFailed === true}
        onChange={(skipWhenFailed) => set({ skipWhenFailed })}
        disabled={readOnly}
      />

      {def.type === 'JOB' && (
        <>
          <Field id="node-job" label="Job">
            {(p) => (
              <PagedSelect
                control={p}
                queryKey={keys.jobs(app)}
                load={(page, size) => listJobs(app, { page, size })}
                idOf={(j) => j.id}
                labelOf={(j) => `#${j.id} ${j.name}`}
                value={def.jobId}
                onChange={(jobId) => set({ jobId })}
                noun="job"
                disabled={readOnly}
              />
            )}
          </Field>
          <Field id="node-params" label="Node params" hint="Replaces the job's params (empty: the job's)">
            {(p) => (
              <textarea
                {...p}
                className="mono"
                rows={3}
                value={def.params ?? ''}
                onChange={(e) => set({ params: e.target.value === '' ? undefined : e.target.value })}
              />
            )}
          </Field>
          <Field id="node-instance-retries" label="Instance retries" hint="Empty: the job's">
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                max={100}
                value={def.instanceRetries ?? ''}
                onChange={(e) => set({ instanceRetries: optionalInt(e.target.value) })}
              />
            )}
          </Field>
          <Field id="node-time-limit" label="Instance time limit (ms)" hint="Empty: the job's; 0 = none">
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                value={def.instanceTimeLimitMs ?? ''}
                onChange={(e) => set({ instanceTimeLimitMs: optionalInt(e.target.value) })}
              />
            )}
          </Field>
        </>
      )}

      {def.type === 'DECISION' && (
        <Field
          id="node-expression"
          label="CEL expression"
          hint="A bool over the workflow context, e.g. context.amount > 100; edges out of it are labelled true or false"
        >
          {(p) => (
            <textarea
              {...p}
              className="mono"
              rows={3}
              value={def.expression ?? ''}
              onChange={(e) => set({ expression: e.target.value })}
              spellCheck={false}
            />
          )}
        </Field>
      )}

      {def.type === 'NESTED_WORKFLOW' && (
        <Field id="node-workflow" label="Nested workflow">
          {(p) => (
            <PagedSelect
              control={p}
              queryKey={keys.workflows(app)}
              load={async (page, size) => {
                const result = await listWorkflows(app, { page, size });
                return { ...result, items: result.items.filter((w) => w.id !== workflowId) };
              }}
              idOf={(w) => w.id}
              labelOf={(w) => `#${w.id} ${w.name}`}
              value={def.workflowId}
              onChange={(id) => set({ workflowId: id })}
              noun="workflow"
              disabled={readOnly}
            />
          )}
        </Field>
      )}

      {!readOnly && others.length > 0 && (
        <div className="connect">
          <Field id="node-connect" label="Connect to" errors={connectError ? [connectError] : undefined}>
            {(p) => (
              <select {...p} value={target} onChange={(e) => setTarget(e.target.value)}>
                <option value="">Choose a node</option>
                {others.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.data.def.name || n.id}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button
            type="button"
            disabled={target === ''}
            onClick={() => {
              setConnectError(onConnect(target));
              setTarget('');
            }}
          >
            Add edge
          </button>
        </div>
      )}
      {!readOnly && (
        <button type="button" className="danger" onClick={onDelete}>
          Delete node
        </button>
      )}
    </fieldset>
  );
}

import { useState, type FormEvent } from 'react';
import { WORKFLOW_INSTANCE_STATUSES } from '../../api/workflow-types';
import { AnyOfSelect, FilterButtons } from '../../components/FilterControls';

/** Workflow and status of the workflow run list, applied with the Filter button. */
export function WorkflowInstanceFilters({
  workflowId,
  status,
  onApply,
}: {
  workflowId?: number;
  status: string;
  onApply: (workflowId: number | undefined, status: string) => void;
}) {
  const [wf, setWf] = useState(workflowId?.toString() ?? '');
  const [st, setSt] = useState(status);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(wf);
    onApply(wf.trim() !== '' && Number.isInteger(n) && n > 0 ? n : undefined, st);
  };
  return (
    <form className="filters" onSubmit={submit}>
      <div className="field">
        <label htmlFor="wfi-workflow">Workflow ID</label>
        <input id="wfi-workflow" type="number" min={1} value={wf} onChange={(e) => setWf(e.target.value)} />
      </div>
      <AnyOfSelect id="wfi-status" label="Status" value={st} options={WORKFLOW_INSTANCE_STATUSES} onChange={setSt} />
      <FilterButtons />
    </form>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { keys } from '../../api/query-keys';
import { runWorkflow } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

/** Starts a workflow with an initial context, then opens the new run. */
export function RunWorkflowDialog(props: { workflowId: number; name: string; onClose: () => void }) {
  const { workflowId, name, onClose } = props;
  const { app } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [initParams, setInitParams] = useState('');
  const [delayMs, setDelayMs] = useState('');
  const mutation = useMutation({
    mutationFn: () =>
      runWorkflow(app, workflowId, {
        initParams: initParams.trim() === '' ? undefined : initParams,
        delayMs: delayMs.trim() === '' ? undefined : Number(delayMs),
      }),
    onSuccess: ({ workflowInstanceId }) => {
      void queryClient.invalidateQueries({ queryKey: keys.workflowInstances(app) });
      onClose();
      void navigate(`/workflow-instances/${workflowInstanceId}`);
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    mutation.mutate();
  };
  return (
    <Dialog title={`Run ${name}`} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <Field
          id="run-init-params"
          label="Init params"
          hint='A JSON object: the context the run starts with, e.g. {"date":"2026-11-30"}'
        >
          {(p) => (
            <textarea
              {...p}
              className="mono"
              rows={4}
              value={initParams}
              onChange={(e) => setInitParams(e.target.value)}
            />
          )}
        </Field>
        <Field id="run-wf-delay" label="Delay (ms)" hint="Start this many milliseconds from now (empty: now)">
          {(p) => (
            <input {...p} type="number" min={0} step={1} value={delayMs} onChange={(e) => setDelayMs(e.target.value)} />
          )}
        </Field>
        <ErrorMessage error={mutation.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={mutation.isPending}>
            Run
          </button>
        </div>
      </form>
    </Dialog>
  );
}

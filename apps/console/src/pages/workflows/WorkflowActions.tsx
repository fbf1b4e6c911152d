import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { keys } from '../../api/query-keys';
import type { Workflow } from '../../api/workflow-types';
import { deleteWorkflow, setWorkflowEnabled } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RunWorkflowDialog } from './RunWorkflowDialog';

export function WorkflowActions({ workflow }: { workflow: Workflow }) {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'run' | 'delete' | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.workflows(app) });
  const toggle = useMutation({
    mutationFn: () => setWorkflowEnabled(app, workflow.id, !workflow.enabled),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => deleteWorkflow(app, workflow.id),
    onSuccess: async () => {
      setDialog(null);
      await invalidate();
    },
  });

  return (
    <div className="row-actions">
      <Link to={`/workflow-instances?workflowId=${workflow.id}`}>Runs</Link>
      {can('operate') && (
        <button type="button" onClick={() => setDialog('run')}>
          Run
        </button>
      )}
      <button type="button" onClick={() => void navigate(`/workflows/${workflow.id}`)}>
        {can('develop') ? 'Edit' : 'View'}
      </button>
      {can('develop') && (
        <>
          <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {workflow.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
        </>
      )}
      <ErrorMessage error={toggle.error} />
      {dialog === 'run' && (
        <RunWorkflowDialog workflowId={workflow.id} name={workflow.name} onClose={() => setDialog(null)} />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete workflow ${workflow.name}?`}
          confirmLabel="Delete"
          onConfirm={() => remove.mutate()}
          onClose={() => {
            remove.reset();
            setDialog(null);
          }}
          pending={remove.isPending}
          error={remove.error}
        >
          <p>
            The workflow <strong>{workflow.name}</strong> (#{workflow.id}) and its schedule are deleted. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { keys } from '../../api/query-keys';
import { FINAL_WORKFLOW_INSTANCE_STATUSES, type WorkflowInstance } from '../../api/workflow-types';
import { workflowInstanceAction } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { ErrorMessage } from '../../components/ErrorMessage';

export function isFinalRun(instance: WorkflowInstance): boolean {
  return FINAL_WORKFLOW_INSTANCE_STATUSES.includes(instance.status);
}

/** Stop (unfinished) and Retry (FAILED or STOPPED) of a workflow run, for OPERATOR and up. */
export function WorkflowRunActions({ instance }: { instance: WorkflowInstance }) {
  const { app, can } = useCurrentApp();
  const queryClient = useQueryClient();
  const action = useMutation({
    mutationFn: (a: 'stop' | 'retry') => workflowInstanceAction(app, instance.id, a),
    onSuccess: (updated) => {
      queryClient.setQueryData([...keys.workflowInstances(app), 'one', instance.id], updated);
      void queryClient.invalidateQueries({ queryKey: keys.workflowInstances(app) });
    },
  });
  if (!can('operate')) return null;
  return (
    <div className="actions">
      {!isFinalRun(instance) && (
        <button type="button" className="danger" onClick={() => action.mutate('stop')} disabled={action.isPending}>
          Stop
        </button>
      )}
      {/* A nested child run is retried through its parent's node (the API answers 409 here). */}
      {(instance.status === 'FAILED' || instance.status === 'STOPPED') && instance.parentInstanceId === null && (
        <button type="button" className="primary" onClick={() => action.mutate('retry')} disabled={action.isPending}>
          Retry
        </button>
      )}
      <ErrorMessage error={action.error} />
    </div>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { instanceAction, type InstanceAction } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { Instance } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { ErrorMessage } from '../../components/ErrorMessage';
import { isFinal, isWaiting } from './instance-status';

/** Stop (unfinished), Cancel (still waiting) and Retry (finished), for OPERATOR and up. */
export function InstanceActions({ instance }: { instance: Instance }) {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (action: InstanceAction) => instanceAction(app, instance.id, action),
    onSuccess: async (updated) => {
      await queryClient.invalidateQueries({ queryKey: keys.instances(app) });
      if (updated.id !== instance.id) void navigate(`/instances/${updated.id}`);
    },
  });
  if (!can('operate')) return null;

  const final = isFinal(instance.status);
  return (
    <div className="actions">
      {!final && (
        <button type="button" className="danger" onClick={() => mutation.mutate('stop')} disabled={mutation.isPending}>
          Stop
        </button>
      )}
      {isWaiting(instance.status) && (
        <button type="button" onClick={() => mutation.mutate('cancel')} disabled={mutation.isPending}>
          Cancel
        </button>
      )}
      {final && (
        <button
          type="button"
          className="primary"
          onClick={() => mutation.mutate('retry')}
          disabled={mutation.isPending}
        >
          Retry
        </button>
      )}
      <ErrorMessage error={mutation.error} />
    </div>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { deleteJob, setJobEnabled } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import type { Job } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RunJobDialog } from './RunJobDialog';

/** The buttons of one job row, as far as the current role allows. */
export function JobActions({ job }: { job: Job }) {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'run' | 'delete' | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.jobs(app) });

  const toggle = useMutation({
    mutationFn: () => setJobEnabled(app, job.id, !job.enabled),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: () => deleteJob(app, job.id),
    onSuccess: async () => {
      setDialog(null);
      await invalidate();
    },
  });

  return (
    <div className="row-actions">
      {can('operate') && (
        <button type="button" onClick={() => setDialog('run')}>
          Run
        </button>
      )}
      {can('develop') && (
        <>
          <button type="button" onClick={() => void navigate(`/jobs/${job.id}/edit`)}>
            Edit
          </button>
          <button type="button" onClick={() => void navigate(`/jobs/new?copyOf=${job.id}`)}>
            Copy
          </button>
          <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {job.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={() => setDialog('delete')}>
            Delete
          </button>
        </>
      )}
      <ErrorMessage error={toggle.error} />
      {dialog === 'run' && <RunJobDialog job={job} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete job ${job.name}?`}
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
            The job <strong>{job.name}</strong> (#{job.id}) and its schedule are deleted. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

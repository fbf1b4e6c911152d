import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { runJob } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import type { Job } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

/** Runs a job now (or after a delay) with optional instance params, then opens the new instance. */
export function RunJobDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const { app } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [instanceParams, setInstanceParams] = useState('');
  const [delayMs, setDelayMs] = useState('');

  const mutation = useMutation({
    mutationFn: () =>
      runJob(app, job.id, {
        instanceParams: instanceParams === '' ? undefined : instanceParams,
        delayMs: delayMs.trim() === '' ? undefined : Number(delayMs),
      }),
    onSuccess: ({ instanceId }) => {
      void queryClient.invalidateQueries({ queryKey: keys.instances(app) });
      onClose();
      void navigate(`/instances/${instanceId}`);
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    mutation.mutate();
  };

  return (
    <Dialog title={`Run ${job.name}`} onClose={onClose}>
      <form onSubmit={onSubmit}>
        <Field id="run-instance-params" label="Instance params" hint="Passed to the processor as ctx.instanceParams">
          {(p) => (
            <textarea {...p} rows={4} value={instanceParams} onChange={(e) => setInstanceParams(e.target.value)} />
          )}
        </Field>
        <Field id="run-delay" label="Delay (ms)" hint="Run this many milliseconds from now (empty: now)">
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

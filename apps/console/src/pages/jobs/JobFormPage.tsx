import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { createJob, getJob, updateJob } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import type { JobInput } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { JobForm } from './JobForm';
import { EMPTY_JOB_FORM, jobToForm } from './job-form-model';
import { revealSaveError } from '../../lib/reveal-save-error';

/** /jobs/new, /jobs/new?copyOf=12 (prefilled, name suffixed -copy) and /jobs/12/edit. */
export function JobFormPage({ mode }: { mode: 'create' | 'edit' }) {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const params = useParams();
  const [search] = useSearchParams();
  const sourceId = Number(mode === 'edit' ? params.id : search.get('copyOf'));
  const hasSource = Number.isInteger(sourceId) && sourceId > 0;

  const source = useQuery({
    // As the workflow editor: read anew on every opening (gcTime 0), never refreshed while the form is open.
    queryKey: [...keys.jobs(app), 'edit', sourceId],
    queryFn: () => getJob(app, sourceId),
    enabled: hasSource,
    gcTime: 0,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });

  const save = useMutation({
    mutationFn: (input: JobInput) => (mode === 'edit' ? updateJob(app, sourceId, input) : createJob(app, input)),
    onError: revealSaveError,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.jobs(app) });
      void navigate('/jobs');
    },
  });

  const title = mode === 'edit' ? 'Edit job' : hasSource ? 'Copy job' : 'Create job';
  if (!can('develop')) {
    return (
      <>
        <PageHeader title={title} />
        <EmptyState>Your role on this app cannot create or edit jobs.</EmptyState>
      </>
    );
  }

  const form = (initial = EMPTY_JOB_FORM) => (
    <JobForm
      app={app}
      initial={initial}
      onSubmit={(input) => save.mutate(input)}
      onCancel={() => void navigate('/jobs')}
      pending={save.isPending}
      error={save.error}
    />
  );

  return (
    <>
      <PageHeader title={title} />
      {hasSource ? (
        <QueryView query={source} what="the job">
          {(job) => (
            <>
              {mode === 'edit' && (
                <p className="muted">
                  Job #{job.id}, {job.name}
                </p>
              )}
              {form(jobToForm(job, mode === 'create'))}
            </>
          )}
        </QueryView>
      ) : mode === 'edit' ? (
        <EmptyState>No such job.</EmptyState>
      ) : (
        form()
      )}
    </>
  );
}

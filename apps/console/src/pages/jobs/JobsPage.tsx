import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { listJobs } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import { TIME_EXPRESSION_TYPES, type Job } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { useSearchState } from '../../lib/use-search-state';
import { JobsTable } from './JobsTable';

const PAGE_SIZE = 20;

interface LocalFilter {
  search: string;
  state: '' | 'enabled' | 'disabled';
  timeType: string;
}

/** GET /jobs pages without filters: search and filters narrow the page on screen only. */
function matches(job: Job, f: LocalFilter): boolean {
  if (f.search && !job.name.toLowerCase().includes(f.search.toLowerCase())) return false;
  if (f.state === 'enabled' && !job.enabled) return false;
  if (f.state === 'disabled' && job.enabled) return false;
  if (f.timeType && job.timeExpressionType !== f.timeType) return false;
  return true;
}

export function JobsPage() {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const { page, setPage } = useSearchState();
  const [filter, setFilter] = useState<LocalFilter>({ search: '', state: '', timeType: '' });
  const query = useQuery({
    queryKey: [...keys.jobs(app), 'list', { page, size: PAGE_SIZE }],
    queryFn: () => listJobs(app, { page, size: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader title="Jobs">
        {can('develop') && (
          <button type="button" className="primary" onClick={() => void navigate('/jobs/new')}>
            Create job
          </button>
        )}
      </PageHeader>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="jobs-search">Search by name</label>
          <input
            id="jobs-search"
            type="search"
            value={filter.search}
            onChange={(e) => setFilter({ ...filter, search: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="jobs-state">State</label>
          <select
            id="jobs-state"
            value={filter.state}
            onChange={(e) => setFilter({ ...filter, state: e.target.value as LocalFilter['state'] })}
          >
            <option value="">Any</option>
            <option value="enabled">Enabled</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="jobs-time-type">Time type</label>
          <select
            id="jobs-time-type"
            value={filter.timeType}
            onChange={(e) => setFilter({ ...filter, timeType: e.target.value })}
          >
            <option value="">Any</option>
            {TIME_EXPRESSION_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <p className="hint">Search and filters apply to the jobs of this page.</p>
      </form>
      <QueryView
        query={query}
        what="jobs"
        isEmpty={(data) => data.items.length === 0}
        empty={can('develop') ? 'No jobs yet. Create the first one with "Create job".' : 'No jobs yet.'}
      >
        {(data) => {
          const shown = data.items.filter((job) => matches(job, filter));
          return (
            <>
              {shown.length === 0 ? (
                <EmptyState>No job on this page matches the filter.</EmptyState>
              ) : (
                <JobsTable jobs={shown} />
              )}
              <Pager page={data.page} size={data.size} total={data.total} onPage={setPage} />
            </>
          );
        }}
      </QueryView>
    </>
  );
}

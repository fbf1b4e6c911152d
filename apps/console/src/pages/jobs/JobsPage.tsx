import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { listJobs } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import { TIME_EXPRESSION_TYPES, type JobFilter, type TimeExpressionType } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { useDebounced } from '../../lib/use-debounced';
import { useSearchState } from '../../lib/use-search-state';
import { JobsTable } from './JobsTable';
import { useClampedPage } from '../../lib/use-clamped-page';

const PAGE_SIZE = 20;

interface JobFilterForm {
  search: string;
  state: '' | 'enabled' | 'disabled';
  timeType: '' | TimeExpressionType;
}

/** The form's filter as GET /jobs parameters: the server narrows the list before paging it. */
function toQuery(f: JobFilterForm): JobFilter {
  return {
    search: f.search.trim() || undefined,
    enabled: f.state === '' ? undefined : f.state === 'enabled',
    timeExpressionType: f.timeType || undefined,
  };
}

export function JobsPage() {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const { page, setPage } = useSearchState();
  const [filter, setFilter] = useState<JobFilterForm>({ search: '', state: '', timeType: '' });
  const serverFilter = useDebounced(toQuery(filter), 300);
  const filtering = Object.values(serverFilter).some((v) => v !== undefined);
  const query = useQuery({
    queryKey: [...keys.jobs(app), 'list', { page, size: PAGE_SIZE, ...serverFilter }],
    queryFn: () => listJobs(app, { page, size: PAGE_SIZE, ...serverFilter }),
    placeholderData: keepPreviousData,
  });
  useClampedPage(query.data, setPage);
  /** A new filter starts from its first page. */
  const changeFilter = (next: JobFilterForm) => {
    setFilter(next);
    if (page !== 1) setPage(1);
  };

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
            onChange={(e) => changeFilter({ ...filter, search: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="jobs-state">State</label>
          <select
            id="jobs-state"
            value={filter.state}
            onChange={(e) => changeFilter({ ...filter, state: e.target.value as JobFilterForm['state'] })}
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
            onChange={(e) => changeFilter({ ...filter, timeType: e.target.value as JobFilterForm['timeType'] })}
          >
            <option value="">Any</option>
            {TIME_EXPRESSION_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
      </form>
      <QueryView
        query={query}
        what="jobs"
        isEmpty={(data) => data.items.length === 0 && !filtering}
        empty={can('develop') ? 'No jobs yet. Create the first one with "Create job".' : 'No jobs yet.'}
      >
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <EmptyState>No job matches the filter.</EmptyState>
            ) : (
              <JobsTable jobs={data.items} />
            )}
            <Pager page={data.page} size={data.size} total={data.total} onPage={setPage} />
          </>
        )}
      </QueryView>
    </>
  );
}

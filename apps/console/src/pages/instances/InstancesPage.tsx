import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { listInstances } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { InstanceFilter, InstanceStatus } from '../../api/types';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { useSearchState } from '../../lib/use-search-state';
import { InstanceFilters } from './InstanceFilters';
import { InstancesTable } from './InstancesTable';
import { useClampedPage } from '../../lib/use-clamped-page';

const PAGE_SIZE = 20;

export function InstancesPage() {
  const { app } = useCurrentApp();
  const search = useSearchState();
  const filter: InstanceFilter = {
    jobId: search.getNumber('jobId'),
    status: (search.get('status') || undefined) as InstanceStatus | undefined,
    since: search.getNumber('since'),
    until: search.getNumber('until'),
  };
  const params: InstanceFilter = { ...filter, page: search.page, size: PAGE_SIZE };
  const query = useQuery({
    queryKey: [...keys.instances(app), 'list', params],
    queryFn: () => listInstances(app, params),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  useClampedPage(query.data, search.setPage);
  const filtered = Object.values(filter).some((v) => v !== undefined);

  return (
    <>
      <PageHeader title="Instances" />
      <InstanceFilters
        key={JSON.stringify(filter)}
        value={filter}
        onApply={(f) => search.update({ jobId: f.jobId, status: f.status, since: f.since, until: f.until })}
      />
      <QueryView
        query={query}
        what="instances"
        isEmpty={(data) => data.items.length === 0}
        empty={filtered ? 'No instance matches these filters.' : 'No instances yet.'}
      >
        {(data) => (
          <>
            <InstancesTable instances={data.items} caption="Instances" />
            <Pager page={data.page} size={data.size} total={data.total} onPage={search.setPage} />
          </>
        )}
      </QueryView>
    </>
  );
}

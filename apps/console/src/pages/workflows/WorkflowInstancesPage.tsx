import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { keys } from '../../api/query-keys';
import type { WorkflowInstanceFilter, WorkflowInstanceStatus } from '../../api/workflow-types';
import { listWorkflowInstances } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { formatDuration } from '../../lib/format';
import { useSearchState } from '../../lib/use-search-state';
import { WorkflowInstanceFilters } from './WorkflowInstanceFilters';
import { useClampedPage } from '../../lib/use-clamped-page';

const PAGE_SIZE = 20;

export function WorkflowInstancesPage() {
  const { app } = useCurrentApp();
  const search = useSearchState();
  const workflowId = search.getNumber('workflowId');
  const status = search.get('status');
  const params: WorkflowInstanceFilter = {
    workflowId,
    status: (status || undefined) as WorkflowInstanceStatus | undefined,
    page: search.page,
    size: PAGE_SIZE,
  };
  const query = useQuery({
    queryKey: [...keys.workflowInstances(app), 'list', params],
    queryFn: () => listWorkflowInstances(app, params),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  useClampedPage(query.data, search.setPage);

  return (
    <>
      <PageHeader title="Workflow runs" />
      <WorkflowInstanceFilters
        key={`${workflowId}-${status}`}
        workflowId={workflowId}
        status={status}
        onApply={(wf, st) => search.update({ workflowId: wf, status: st })}
      />
      <QueryView query={query} what="workflow runs" isEmpty={(d) => d.items.length === 0}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Workflow runs</caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Workflow</th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Nodes done</th>
                    <th scope="col">Started</th>
                    <th scope="col">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => {
                    const done = r.nodes.filter((n) => n.status === 'SUCCEEDED' || n.status === 'SKIPPED').length;
                    return (
                      <tr key={r.id}>
                        <th scope="row">
                          <Link to={`/workflow-instances/${r.id}`}>#{r.id}</Link>
                        </th>
                        <td>
                          <Link to={`/workflows/${r.workflowId}`}>Workflow {r.workflowId}</Link>
                        </td>
                        <td>
                          <StatusBadge status={r.status} />
                        </td>
                        <td className="reason">{r.statusReason ?? ''}</td>
                        <td>
                          {done} / {r.nodes.length}
                        </td>
                        <td>
                          <Time value={r.actualTriggerTime ?? r.expectedTriggerTime} />
                        </td>
                        <td>
                          {r.actualTriggerTime !== null
                            ? formatDuration((r.finishedTime ?? Date.now()) - r.actualTriggerTime)
                            : '-'}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager page={data.page} size={data.size} total={data.total} onPage={search.setPage} />
          </>
        )}
      </QueryView>
    </>
  );
}

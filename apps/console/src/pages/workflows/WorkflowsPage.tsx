import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { keys } from '../../api/query-keys';
import { listWorkflows } from '../../api/workflows';
import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { EnabledBadge } from '../../components/StatusBadge';
import { useSearchState } from '../../lib/use-search-state';
import { WorkflowActions } from './WorkflowActions';
import { useClampedPage } from '../../lib/use-clamped-page';

const PAGE_SIZE = 20;

export function WorkflowsPage() {
  const { app, can } = useCurrentApp();
  const navigate = useNavigate();
  const { page, setPage } = useSearchState();
  const query = useQuery({
    queryKey: [...keys.workflows(app), 'list', { page, size: PAGE_SIZE }],
    queryFn: () => listWorkflows(app, { page, size: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  useClampedPage(query.data, setPage);

  return (
    <>
      <PageHeader title="Workflows">
        {can('develop') && (
          <button type="button" className="primary" onClick={() => void navigate('/workflows/new')}>
            Create workflow
          </button>
        )}
      </PageHeader>
      <QueryView
        query={query}
        what="workflows"
        isEmpty={(d) => d.items.length === 0}
        empty={can('develop') ? 'No workflows yet. Create one with "Create workflow".' : 'No workflows yet.'}
      >
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Workflows</caption>
                <thead>
                  <tr>
                    <th scope="col">ID</th>
                    <th scope="col">Name</th>
                    <th scope="col">Nodes</th>
                    <th scope="col">Time type</th>
                    <th scope="col">Time expression</th>
                    <th scope="col">State</th>
                    <th scope="col">Skipped / misfired slots</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((w) => (
                    <tr key={w.id}>
                      <td>{w.id}</td>
                      <th scope="row">
                        {w.name}
                        {w.description && <div className="muted small">{w.description}</div>}
                      </th>
                      <td>{w.dag.nodes.length}</td>
                      <td>{w.timeExpressionType}</td>
                      <td>
                        <code className="wrap">{w.timeExpression ?? '-'}</code>
                      </td>
                      <td>
                        <EnabledBadge enabled={w.enabled} />
                      </td>
                      <td className={w.skippedSlots + w.misfiredSlots > 0 ? 'warn-text' : undefined}>
                        {w.skippedSlots} / {w.misfiredSlots}
                      </td>
                      <td>
                        <WorkflowActions workflow={w} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={data.page} size={data.size} total={data.total} onPage={setPage} />
          </>
        )}
      </QueryView>
    </>
  );
}

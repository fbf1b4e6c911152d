import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listInstances } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { InstanceStatus } from '../../api/types';
import { QueryView } from '../../components/QueryView';
import { InstancesTable } from '../instances/InstancesTable';

const SIZE = 10;

/** The latest instances in one status (RUNNING now, recent FAILED), with a link to the full list. */
export function InstanceListCard(props: { app: string; status: InstanceStatus; title: string; empty: string }) {
  const { app, status, title, empty } = props;
  const query = useQuery({
    queryKey: [...keys.instances(app), 'list', { status, page: 1, size: SIZE }],
    queryFn: () => listInstances(app, { status, page: 1, size: SIZE }),
    refetchInterval: 5_000,
  });
  const id = `card-${status.toLowerCase()}`;
  return (
    <section className="card">
      <div className="section-header">
        <h2 id={id}>{title}</h2>
        {query.data && query.data.total > 0 && <Link to={`/instances?status=${status}`}>All {query.data.total}</Link>}
      </div>
      <QueryView query={query} what={title.toLowerCase()} isEmpty={(d) => d.items.length === 0} empty={empty}>
        {(data) => <InstancesTable instances={data.items} caption={title} compact />}
      </QueryView>
    </section>
  );
}

import { useCurrentApp } from '../../auth/session-context';
import { PageHeader } from '../../components/PageHeader';
import { QueryView } from '../../components/QueryView';
import { useWorkers } from './use-workers';
import { WorkersTable } from './WorkersTable';

export function WorkersPage() {
  const { app } = useCurrentApp();
  const query = useWorkers(app);
  return (
    <>
      <PageHeader title="Workers" />
      <p className="muted">
        Live workers of <strong>{app}</strong>: the processors they serve, their tags, load and last heartbeat.
      </p>
      <QueryView
        query={query}
        what="workers"
        isEmpty={(d) => d.length === 0}
        empty="No live worker: start one with the app's name and password."
      >
        {(workers) => <WorkersTable workers={workers} />}
      </QueryView>
    </>
  );
}

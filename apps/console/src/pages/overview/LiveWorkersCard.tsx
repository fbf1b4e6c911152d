import { Link } from 'react-router';
import { QueryView } from '../../components/QueryView';
import { useWorkers } from '../workers/use-workers';
import { WorkersTable } from '../workers/WorkersTable';

export function LiveWorkersCard({ app }: { app: string }) {
  const query = useWorkers(app);
  return (
    <section className="card">
      <div className="section-header">
        <h2 id="workers-title">Live workers</h2>
        <Link to="/workers">Details</Link>
      </div>
      <QueryView query={query} what="workers" isEmpty={(d) => d.length === 0} empty="No live worker.">
        {(workers) => <WorkersTable workers={workers} compact />}
      </QueryView>
    </section>
  );
}

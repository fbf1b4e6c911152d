import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listJobs } from '../../api/jobs';
import { keys } from '../../api/query-keys';
import { QueryView } from '../../components/QueryView';

/** Most jobs listed; the rest are counted. */
const SHOWN = 50;

/** Jobs whose timer skipped or missed slots. */
export function SlotProblems({ app }: { app: string }) {
  const query = useQuery({
    queryKey: [...keys.jobs(app), 'list', { page: 1, size: SHOWN, missedSlots: true }],
    queryFn: () => listJobs(app, { page: 1, size: SHOWN, missedSlots: true }),
    refetchInterval: 30_000,
  });
  return (
    <section className="card">
      <h2 id="slots-title">Jobs with misfired or skipped slots</h2>
      <QueryView query={query} what="jobs">
        {(data) => {
          const jobs = data.items;
          return (
            <>
              {data.total > data.items.length && (
                <p className="hint">
                  The first {data.items.length} of {data.total} such jobs.
                </p>
              )}
              {jobs.length === 0 ? (
                <p className="empty">No job has misfired or skipped slots.</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">Jobs with misfired or skipped slots</caption>
                    <thead>
                      <tr>
                        <th scope="col">Job</th>
                        <th scope="col">Misfired</th>
                        <th scope="col">Skipped</th>
                      </tr>
                    </thead>
                    <tbody>
                      {jobs.map((j) => (
                        <tr key={j.id}>
                          <th scope="row">
                            <Link to={`/instances?jobId=${j.id}`}>{j.name}</Link>
                          </th>
                          <td>{j.misfiredSlots}</td>
                          <td>{j.skippedSlots}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}

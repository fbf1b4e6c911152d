import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { listTasks } from '../../api/instances';
import { keys } from '../../api/query-keys';
import { TASK_STATUSES, type TaskStatus } from '../../api/types';
import { Pager } from '../../components/Pager';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { useClampedPage } from '../../lib/use-clamped-page';

const PAGE_SIZE = 20;

/** The paged subtask table of a Map / MapReduce / Broadcast instance. */
export function TaskList({ app, instanceId, live }: { app: string; instanceId: number; live: boolean }) {
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const params = { page, size: PAGE_SIZE, status: status || undefined };
  const query = useQuery({
    // `live` in the key: the instance ending fetches the list once more, so what shows is the final state.
    queryKey: [...keys.instances(app), 'tasks', instanceId, params, live],
    queryFn: () => listTasks(app, instanceId, params),
    placeholderData: keepPreviousData,
    refetchInterval: live ? 2_000 : false,
  });
  useClampedPage(query.data, setPage);

  return (
    <section>
      <h2 id="tasks-title">Subtasks</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="tasks-status">Task status</label>
          <select
            id="tasks-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as TaskStatus | '');
              setPage(1);
            }}
          >
            <option value="">Any</option>
            {TASK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
      </div>
      <QueryView query={query} what="subtasks" isEmpty={(d) => d.items.length === 0}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Subtasks</caption>
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Worker</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Failures</th>
                    <th scope="col">Payload</th>
                    <th scope="col">Result</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((t) => (
                    <tr key={t.taskId}>
                      <th scope="row">{t.taskId}</th>
                      <td>{t.taskName}</td>
                      <td>
                        <StatusBadge status={t.status} />
                      </td>
                      <td>{t.workerId ?? '-'}</td>
                      <td>{t.attempt}</td>
                      <td>{t.failures}</td>
                      <td>
                        <code className="clip">{t.payload ?? '-'}</code>
                      </td>
                      <td>
                        <code className="clip">{t.result ?? '-'}</code>
                      </td>
                      <td>
                        <Time value={t.updatedTime} />
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
    </section>
  );
}

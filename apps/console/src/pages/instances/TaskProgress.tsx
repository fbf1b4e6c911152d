import { useQuery } from '@tanstack/react-query';
import { getTaskCountsByWorker } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { TaskCounts } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ProgressBar } from '../../components/ProgressBar';

/** How the split names tasks no worker has taken yet. */
const UNTAKEN = '(not taken yet)';

/** Subtask progress of a Map / MapReduce / Broadcast instance: overall, then split per worker. */
export function TaskProgress({
  app,
  instanceId,
  counts,
  live,
}: {
  app: string;
  instanceId: number;
  counts: TaskCounts;
  live: boolean;
}) {
  const split = useQuery({
    // `live` in the key: the instance ending fetches the split once more, so it shows the final one.
    queryKey: [...keys.instances(app), 'tasks', instanceId, 'by-worker', live],
    queryFn: () => getTaskCountsByWorker(app, instanceId),
    refetchInterval: live ? 2_000 : false,
  });

  return (
    <section>
      <h2 id="progress-title">Subtask progress</h2>
      <ProgressBar
        label="Subtasks done"
        total={counts.total}
        segments={[
          { label: 'Succeeded', value: counts.succeeded, className: 'seg-succeeded' },
          { label: 'Failed', value: counts.failed, className: 'seg-failed' },
        ]}
      />
      <p className="muted">
        Running {counts.running}, waiting {counts.waiting}
      </p>
      <h3>Per worker</h3>
      <ErrorMessage error={split.error} />
      {split.data?.length === 0 && <p className="muted">No subtask yet.</p>}
      <ul className="worker-split">
        {(split.data ?? []).map((w) => {
          const name = w.workerId ?? UNTAKEN;
          return (
            <li key={name}>
              <span className="mono">{name}</span>
              <ProgressBar
                label={`Subtasks of ${name}`}
                total={w.total}
                segments={[
                  { label: 'Succeeded', value: w.succeeded, className: 'seg-succeeded' },
                  { label: 'Failed', value: w.failed, className: 'seg-failed' },
                ]}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

import { useQuery } from '@tanstack/react-query';
import { listTasks } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { TaskCounts, TaskView } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { ProgressBar } from '../../components/ProgressBar';

/** Largest page the API serves: the per-worker split is counted over at most this many subtasks. */
const SAMPLE_SIZE = 200;

interface WorkerSplit {
  workerId: string;
  succeeded: number;
  failed: number;
  other: number;
}

function splitByWorker(tasks: TaskView[]): WorkerSplit[] {
  const byWorker = new Map<string, WorkerSplit>();
  for (const t of tasks) {
    const workerId = t.workerId ?? '(not reported yet)';
    const row = byWorker.get(workerId) ?? { workerId, succeeded: 0, failed: 0, other: 0 };
    if (t.status === 'SUCCEEDED') row.succeeded++;
    else if (t.status === 'FAILED') row.failed++;
    else row.other++;
    byWorker.set(workerId, row);
  }
  return [...byWorker.values()].sort((a, b) => a.workerId.localeCompare(b.workerId));
}

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
  const sample = useQuery({
    // `live` in the key: the instance ending fetches the sample once more, so the split is the final one.
    queryKey: [...keys.instances(app), 'tasks', instanceId, 'sample', live],
    queryFn: () => listTasks(app, instanceId, { page: 1, size: SAMPLE_SIZE }),
    refetchInterval: live ? 2_000 : false,
  });
  const split = sample.data ? splitByWorker(sample.data.items) : [];
  const partial = sample.data !== undefined && sample.data.total > sample.data.items.length;

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
      {partial && (
        <p className="hint">
          Counted over the first {sample.data.items.length} of {sample.data.total} subtasks (the API has no per-worker
          totals).
        </p>
      )}
      <ErrorMessage error={sample.error} />
      {split.length === 0 && sample.isSuccess && <p className="muted">No subtask reported yet.</p>}
      <ul className="worker-split">
        {split.map((w) => {
          const total = w.succeeded + w.failed + w.other;
          return (
            <li key={w.workerId}>
              <span className="mono">{w.workerId}</span>
              <ProgressBar
                label={`Subtasks of ${w.workerId}`}
                total={total}
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

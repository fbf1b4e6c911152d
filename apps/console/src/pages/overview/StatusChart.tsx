import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { getInstanceStats } from '../../api/instances';
import { keys } from '../../api/query-keys';
import type { InstanceStatus } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Loading } from '../../components/Loading';
import { CHART_STATUSES, chartStart, RANGES, toBars, totalsByStatus, type ChartRange } from './chart-data';
import { StackedBars } from './StackedBars';

function slug(status: InstanceStatus): string {
  return status.toLowerCase().replace(/_/g, '-');
}

/** Instances by status over the last hour or day, from GET /instances/stats. */
export function StatusChart({ app }: { app: string }) {
  const [range, setRange] = useState<ChartRange>('hour');
  const { bucketMs } = RANGES[range];
  const query = useQuery({
    queryKey: [...keys.instances(app), 'stats', range],
    queryFn: async () => {
      const since = chartStart(range, Date.now());
      const stats = await getInstanceStats(app, since, bucketMs);
      return toBars(stats, since, range);
    },
    refetchInterval: 30_000,
  });
  const totals = query.data ? totalsByStatus(query.data) : {};
  const shown = CHART_STATUSES.filter((s) => (totals[s] ?? 0) > 0);
  const summary = shown.map((s) => `${totals[s]} ${s}`).join(', ') || 'no instances';

  return (
    <section className="card">
      <div className="section-header">
        <h2 id="chart-title">Instances by status</h2>
        <div className="toggle" role="group" aria-label="Time range">
          {(Object.keys(RANGES) as ChartRange[]).map((r) => (
            <button key={r} type="button" aria-pressed={range === r} onClick={() => setRange(r)}>
              {RANGES[r].label}
            </button>
          ))}
        </div>
      </div>
      {query.isPending && <Loading label="Loading the chart" />}
      <ErrorMessage error={query.error} title="Could not load the chart" />
      {query.data && (
        <>
          <StackedBars
            bars={query.data}
            bucketMs={bucketMs}
            label={`Instance counts, ${RANGES[range].label.toLowerCase()}: ${summary}`}
          />
          <ul className="legend">
            {CHART_STATUSES.map((s) => (
              <li key={s}>
                <span className={`swatch fill-${slug(s)}`} aria-hidden="true" /> {s} {totals[s] ?? 0}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

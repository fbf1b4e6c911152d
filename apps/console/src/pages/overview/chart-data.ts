import type { InstanceStats, InstanceStatus } from '../../api/types';

export type ChartRange = 'hour' | 'day';

export const RANGES: Record<ChartRange, { label: string; spanMs: number; bucketMs: number }> = {
  hour: { label: 'Last hour', spanMs: 3_600_000, bucketMs: 120_000 },
  day: { label: 'Last day', spanMs: 86_400_000, bucketMs: 3_600_000 },
};

/** Bottom to top in a bar. */
export const CHART_STATUSES: readonly InstanceStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
  'CANCELED',
  'RUNNING',
  'WAITING_WORKER_RECEIVE',
  'WAITING_DISPATCH',
];

export interface Bar {
  start: number;
  counts: Partial<Record<InstanceStatus, number>>;
  total: number;
}

/** Start of the chart: bars end on a clock boundary after `now`. */
export function chartStart(range: ChartRange, now: number): number {
  const { spanMs, bucketMs } = RANGES[range];
  return Math.ceil(now / bucketMs) * bucketMs - spanMs;
}

/** Every bar of the range, the empty ones too (the API only answers bars with instances). */
export function toBars(stats: InstanceStats, sinceMs: number, range: ChartRange): Bar[] {
  const { spanMs, bucketMs } = RANGES[range];
  const byStart = new Map(stats.buckets.map((b) => [b.start, b.counts]));
  const bars: Bar[] = [];
  for (let start = sinceMs; start < sinceMs + spanMs; start += bucketMs) {
    const counts = byStart.get(start) ?? {};
    const total = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
    bars.push({ start, counts, total });
  }
  return bars;
}

export function totalsByStatus(bars: Bar[]): Partial<Record<InstanceStatus, number>> {
  const totals: Partial<Record<InstanceStatus, number>> = {};
  for (const bar of bars) {
    for (const [status, n] of Object.entries(bar.counts) as [InstanceStatus, number][]) {
      totals[status] = (totals[status] ?? 0) + n;
    }
  }
  return totals;
}

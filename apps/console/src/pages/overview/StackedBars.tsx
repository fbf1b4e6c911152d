import type { InstanceStatus } from '../../api/types';
import { formatLocalTime } from '../../lib/format';
import { CHART_STATUSES, type Bar } from './chart-data';

const WIDTH = 760;
const HEIGHT = 220;
const PAD = { top: 10, right: 10, bottom: 28, left: 40 };

function niceMax(n: number): number {
  if (n <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  return Math.ceil(n / magnitude) * magnitude;
}

function slug(status: InstanceStatus): string {
  return status.toLowerCase().replace(/_/g, '-');
}

/** Inline SVG stacked bars, one per bucket; each bar's title lists its counts. */
export function StackedBars({ bars, bucketMs, label }: { bars: Bar[]; bucketMs: number; label: string }) {
  const max = niceMax(Math.max(0, ...bars.map((b) => b.total)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(2, slot * 0.8);
  const y = (n: number) => PAD.top + plotH - (n / max) * plotH;
  const labelEvery = Math.ceil(bars.length / 8);

  return (
    <svg className="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      {[0, max / 2, max].map((tick) => (
        <g key={tick}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="chart-grid" />
          <text x={PAD.left - 6} y={y(tick)} className="chart-axis" textAnchor="end" dominantBaseline="middle">
            {Math.round(tick)}
          </text>
        </g>
      ))}
      {bars.map((bar, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        let base = 0;
        const parts = CHART_STATUSES.filter((s) => (bar.counts[s] ?? 0) > 0).map((s) => {
          const n = bar.counts[s] ?? 0;
          const rect = (
            <rect
              key={s}
              x={x}
              width={barW}
              y={y(base + n)}
              height={y(base) - y(base + n)}
              className={`fill-${slug(s)}`}
            />
          );
          base += n;
          return rect;
        });
        const summary = CHART_STATUSES.filter((s) => (bar.counts[s] ?? 0) > 0)
          .map((s) => `${s} ${bar.counts[s]}`)
          .join(', ');
        return (
          <g key={bar.start}>
            <title>{`${formatLocalTime(bar.start)}–${formatLocalTime(bar.start + bucketMs)}: ${summary || 'none'}`}</title>
            <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} className="chart-hit" />
            {parts}
            {i % labelEvery === 0 && (
              <text x={x + barW / 2} y={HEIGHT - 8} className="chart-axis" textAnchor="middle">
                {formatLocalTime(bar.start)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

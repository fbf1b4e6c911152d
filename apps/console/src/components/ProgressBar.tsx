interface Segment {
  label: string;
  value: number;
  className: string;
}

/** A horizontal bar of coloured segments with a text summary (the numbers are always written out too). */
export function ProgressBar({ label, segments, total }: { label: string; segments: Segment[]; total: number }) {
  const done = segments.reduce((sum, s) => sum + s.value, 0);
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} (${percent}%)`}
      >
        {segments.map((s) =>
          s.value > 0 && total > 0 ? (
            <div
              key={s.label}
              className={`progress-segment ${s.className}`}
              style={{ width: `${(s.value / total) * 100}%` }}
              title={`${s.label}: ${s.value}`}
            />
          ) : null,
        )}
      </div>
      <p className="progress-text">
        {done} / {total} ({percent}%){' '}
        {segments.map((s) => (
          <span key={s.label} className="progress-legend">
            {s.label} {s.value}
          </span>
        ))}
      </p>
    </div>
  );
}

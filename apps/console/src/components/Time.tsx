import { formatLocal, formatUtc, type TimeValue } from '../lib/format';

/** A moment in the viewer's zone; hover shows it in UTC. */
export function Time({ value, empty = '-' }: { value: TimeValue | null | undefined; empty?: string }) {
  if (value === null || value === undefined || value === '') return <span>{empty}</span>;
  const date = new Date(value);
  const iso = Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  return (
    <time dateTime={iso} title={formatUtc(value)}>
      {formatLocal(value)}
    </time>
  );
}

/** Date and duration formatting: local time for reading, UTC for the hover title. */

export type TimeValue = number | string;

export function toDate(value: TimeValue): Date {
  return new Date(value);
}

const LOCAL = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const LOCAL_TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** In the viewer's zone, e.g. "Mar 05, 2026, 14:03:22". */
export function formatLocal(value: TimeValue): string {
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? String(value) : LOCAL.format(date);
}

/** Hours and minutes in the viewer's zone (chart axis). */
export function formatLocalTime(value: TimeValue): string {
  return LOCAL_TIME.format(toDate(value));
}

/** "2026-03-05 13:03:22.120 UTC". */
export function formatUtc(value: TimeValue): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

/** "350 ms", "12.4 s", "3 min 12 s", "2 h 05 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  const seconds = abs / 1000;
  if (seconds < 60) return `${sign}${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${sign}${minutes} min ${Math.floor(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${sign}${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${sign}${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "5 s ago". */
export function formatAge(fromMs: number, nowMs: number): string {
  return `${formatDuration(Math.max(0, nowMs - fromMs))} ago`;
}

/** datetime-local input value (local zone; seconds and milliseconds when set) from epoch ms. */
export function toDateTimeLocal(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const minutes = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  // Seconds and milliseconds only when set, so a value saved through the API comes back unchanged on save.
  if (d.getSeconds() === 0 && d.getMilliseconds() === 0) return minutes;
  return `${minutes}:${pad(d.getSeconds())}${d.getMilliseconds() === 0 ? '' : `.${pad(d.getMilliseconds(), 3)}`}`;
}

/** Epoch ms of a datetime-local input value (local zone), or null when empty or invalid. */
export function fromDateTimeLocal(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A configured period in its largest whole unit: "60 s" is "1 min", "5 min", "2 h", "1 d"; else as formatDuration. */
export function formatPeriod(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return formatDuration(ms);
}

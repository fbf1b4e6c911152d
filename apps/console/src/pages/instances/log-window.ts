import type { InstanceLogLine } from '../../api/types';

/**
 * The lines of an instance log on screen. The window opens at the tail (the newest CHUNK lines, read backwards),
 * follows new lines from there, drops the oldest chunks past its limit, and "Load older" reads back from the first
 * line shown (GET .../logs?before=<its id>).
 */
export interface LogWindow {
  lines: InstanceLogLine[];
  /** `after` for the next read of new lines: the newest line read so far (0: none yet). */
  tail: number;
  /** Whether lines older than lines[0] may exist. */
  hasOlder: boolean;
  /** Most lines kept while following the tail (grows as older chunks are loaded back). */
  limit: number;
}

export const CHUNK = 500;
export const SHOWN_LINES = 2000;

export const EMPTY_WINDOW: LogWindow = { lines: [], tail: 0, hasOlder: false, limit: SHOWN_LINES };

/** The first page: the newest lines (read backwards, oldest first), so the window starts at the tail. */
export function openAtTail(items: InstanceLogLine[]): LogWindow {
  return { ...EMPTY_WINDOW, lines: items, tail: items.at(-1)?.id ?? 0, hasOlder: items.length >= CHUNK };
}

/** New lines at the tail; the oldest chunks leave the window past its limit (and can be loaded back). */
export function appendLines(w: LogWindow, items: InstanceLogLine[]): LogWindow {
  const fresh = items.filter((l) => l.id > w.tail);
  if (fresh.length === 0) return w;
  let lines = [...w.lines, ...fresh];
  let { hasOlder } = w;
  while (lines.length > w.limit) {
    lines = lines.slice(CHUNK);
    hasOlder = true;
  }
  return { ...w, lines, hasOlder, tail: fresh.at(-1)!.id };
}

/** A page read back from the first line shown (`before` its id). */
export function prependOlder(w: LogWindow, items: InstanceLogLine[]): LogWindow {
  const firstShown = w.lines[0]?.id ?? Number.POSITIVE_INFINITY;
  return {
    ...w,
    lines: [...items.filter((l) => l.id < firstShown), ...w.lines],
    hasOlder: items.length >= CHUNK,
    limit: w.limit + CHUNK,
  };
}

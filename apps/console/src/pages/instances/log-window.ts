import type { InstanceLogLine } from '../../api/types';

/**
 * The lines of an instance log on screen. GET /instances/:id/logs only reads forward (`after` an id), so the tail
 * is reached by reading on from the start; lines scrolled out of the window are dropped in chunks of CHUNK lines,
 * and the `after` value each dropped chunk started at is kept so that "Load older" can read it again.
 */
export interface LogWindow {
  lines: InstanceLogLine[];
  /** `after` value that precedes lines[0]. */
  shownFrom: number;
  /** Start (`after` value) of each dropped chunk, oldest first. */
  dropped: number[];
  /** `after` for the next read of new lines. */
  tail: number;
  /** Most lines kept while following the tail (grows as older chunks are loaded back). */
  limit: number;
}

export const CHUNK = 500;
export const SHOWN_LINES = 2000;

export const EMPTY_WINDOW: LogWindow = { lines: [], shownFrom: 0, dropped: [], tail: 0, limit: SHOWN_LINES };

/** New lines at the tail; the oldest chunks leave the window past its limit. */
export function appendLines(w: LogWindow, items: InstanceLogLine[]): LogWindow {
  if (items.length === 0) return w;
  let lines = [...w.lines, ...items.filter((l) => l.id > w.tail)];
  let { shownFrom } = w;
  const dropped = [...w.dropped];
  while (lines.length > w.limit) {
    dropped.push(shownFrom);
    shownFrom = lines[CHUNK - 1]!.id;
    lines = lines.slice(CHUNK);
  }
  return { ...w, lines, shownFrom, dropped, tail: items[items.length - 1]!.id };
}

/** A dropped chunk read again (`items` read after `from`, the last entry of `dropped`). */
export function prependChunk(w: LogWindow, from: number, items: InstanceLogLine[]): LogWindow {
  const firstShown = w.lines[0]?.id ?? Number.POSITIVE_INFINITY;
  return {
    ...w,
    lines: [...items.filter((l) => l.id < firstShown), ...w.lines],
    shownFrom: from,
    dropped: w.dropped.slice(0, -1),
    limit: w.limit + CHUNK,
  };
}

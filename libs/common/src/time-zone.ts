/** Wall-clock parts of an instant in a time zone. */
export interface ZonedParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

/**
 * Formatters by canonical zone name. Names are case-insensitive (`europe/paris` is `Europe/Paris`), so keying by
 * what callers pass would grow one formatter per spelling; the canonical name bounds it by the tz database (about
 * 600 zones), and MAX_CACHED_ZONES caps it whatever the runtime accepts.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_ZONES = 1000;
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/**
 * The runtime's canonical spelling of a time zone (`europe/paris` -> `Europe/Paris`); throws a RangeError for a
 * zone the runtime does not know.
 */
export function canonicalTimeZone(timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone }).resolvedOptions().timeZone;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  // Fast path: the canonical spelling, as stored jobs use it. Another spelling costs one resolution per call.
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  const zone = canonicalTimeZone(timeZone);
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    if (formatters.size >= MAX_CACHED_ZONES) formatters.delete(formatters.keys().next().value as string);
    formatters.set(zone, f);
  }
  return f;
}

/** Number of cached zone formatters (for tests: spellings of one zone share one). */
export function cachedTimeZoneCount(): number {
  return formatters.size;
}

/** Checks an IANA time zone name with the runtime's own tz database. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function zonedParts(epochMs: number, timeZone: string): ZonedParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
}

/** Offset of the zone from UTC at that instant, in ms (Paris in winter: +3600000). */
function offsetAt(epochMs: number, timeZone: string): number {
  const p = zonedParts(epochMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. In a DST gap the time does not exist and the instant after the
 * gap is returned; in an overlap the earlier instant.
 */
export function zonedTimeToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = wall - offsetAt(wall, timeZone);
  const other = wall - offsetAt(first, timeZone);
  const shows = (t: number): boolean => {
    const p = zonedParts(t, timeZone);
    return p.hour === hour && p.minute === minute && p.second === second;
  };
  const valid = [first, other].filter(shows);
  // Overlap: both are valid, the earlier wins. Gap: neither is; the later candidate is the wall time shifted by the gap.
  return valid.length > 0 ? Math.min(...valid) : Math.max(first, other);
}

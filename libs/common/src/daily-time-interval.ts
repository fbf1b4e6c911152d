import { TimeExpressionError } from './errors';
import { zonedParts, zonedTimeToEpoch } from './time-zone';

export type IntervalUnit = 'SECONDS' | 'MINUTES' | 'HOURS';

/**
 * DAILY_TIME_INTERVAL expression (JSON): every `interval` `unit` from `startTime` to `endTime` (both included) on
 * `daysOfWeek`, in the job's time zone. Example: {"interval":15,"unit":"MINUTES","startTime":"09:00",
 * "endTime":"17:00","daysOfWeek":[1,2,3,4,5]} fires 09:00, 09:15 ... 17:00 on weekdays.
 */
export interface DailyTimeInterval {
  interval: number;
  unit: IntervalUnit;
  /** HH:mm:ss. */
  startTime: string;
  endTime: string;
  /** ISO days: 1 = Monday ... 7 = Sunday. */
  daysOfWeek: number[];
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const UNIT_SECONDS: Record<IntervalUnit, number> = { SECONDS: 1, MINUTES: 60, HOURS: 3600 };

export function parseDailyTimeInterval(expression: string | null | undefined): DailyTimeInterval {
  let raw: unknown;
  try {
    raw = JSON.parse(expression ?? '');
  } catch {
    throw new TimeExpressionError(
      'timeExpression: DAILY_TIME_INTERVAL needs JSON like {"interval":5,"unit":"MINUTES","startTime":"09:00","endTime":"18:00","daysOfWeek":[1,2,3,4,5]}',
    );
  }
  if (typeof raw !== 'object' || raw === null) throw new TimeExpressionError('timeExpression: must be a JSON object');
  const o = raw as Record<string, unknown>;
  const interval = o.interval;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1) {
    throw new TimeExpressionError('timeExpression.interval must be a whole number >= 1');
  }
  const unit = o.unit ?? 'MINUTES';
  if (unit !== 'SECONDS' && unit !== 'MINUTES' && unit !== 'HOURS') {
    throw new TimeExpressionError('timeExpression.unit must be SECONDS, MINUTES or HOURS');
  }
  const startTime = normaliseTimeOfDay(o.startTime ?? '00:00:00', 'startTime');
  const endTime = normaliseTimeOfDay(o.endTime ?? '23:59:59', 'endTime');
  if (startTime > endTime) throw new TimeExpressionError('timeExpression.startTime must not be after endTime');
  const days = o.daysOfWeek ?? [1, 2, 3, 4, 5, 6, 7];
  if (!Array.isArray(days) || days.length === 0 || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
    throw new TimeExpressionError('timeExpression.daysOfWeek must be a non-empty list of 1 (Monday) .. 7 (Sunday)');
  }
  return { interval, unit, startTime, endTime, daysOfWeek: [...new Set(days as number[])].sort() };
}

function normaliseTimeOfDay(value: unknown, field: string): string {
  const m = typeof value === 'string' ? TIME_OF_DAY.exec(value) : null;
  if (!m) throw new TimeExpressionError(`timeExpression.${field} must be HH:mm or HH:mm:ss (got '${String(value)}')`);
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}`;
}

function secondsOfDay(hhmmss: string): number {
  const [h, m, s] = hhmmss.split(':').map(Number) as [number, number, number];
  return h * 3600 + m * 60 + s;
}

/** The first fire time strictly after `afterMs`, or undefined when there is none within 8 days (never). */
export function nextDailyIntervalFire(dti: DailyTimeInterval, timeZone: string, afterMs: number): number | undefined {
  const step = dti.interval * UNIT_SECONDS[dti.unit];
  const start = secondsOfDay(dti.startTime);
  const end = secondsOfDay(dti.endTime);
  const today = zonedParts(afterMs, timeZone);
  for (let offset = 0; offset <= 8; offset++) {
    // Walk calendar days in the zone: build the date from the wall date plus `offset` days.
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (!dti.daysOfWeek.includes(weekday)) continue;
    for (let sod = start; sod <= end; sod += step) {
      const t = zonedTimeToEpoch(
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        Math.floor(sod / 3600),
        Math.floor((sod % 3600) / 60),
        sod % 60,
        timeZone,
      );
      if (t > afterMs) return t;
      // Jump close to `afterMs` instead of stepping one slot at a time through a long day.
      if (offset === 0 && t < afterMs - step * 1000) {
        const skip = Math.floor((afterMs - t) / (step * 1000)) - 1;
        if (skip > 0) sod += skip * step;
      }
    }
  }
  return undefined;
}

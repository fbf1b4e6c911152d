import { CronExpressionParser } from 'cron-parser';
import { TimeExpressionType } from './enums';
import { TimeExpressionError } from './errors';

/** Checks an IANA time zone name with the runtime's own tz database. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates the expression of a job's trigger type and returns the normalised expression.
 * CRON: 5 fields (minute precision) or 6 fields (with seconds first), in `timeZone`; it must fire at least once.
 * FIXED_RATE / FIXED_DELAY: milliseconds, >= 100 (shorter periods would flood the instance table).
 * DAILY_TIME_INTERVAL: JSON {"interval": n, "unit": "SECONDS"|"MINUTES"|"HOURS", "startTime": "HH:mm[:ss]",
 *   "endTime": "HH:mm[:ss]", "daysOfWeek": [1..7]} (1 = Monday).
 * API / WORKFLOW: no expression.
 */
export function validateTimeExpression(
  type: TimeExpressionType,
  expression: string | null | undefined,
  timeZone = 'UTC',
): string | null {
  if (!isValidTimeZone(timeZone)) throw new TimeExpressionError(`timeZone '${timeZone}' is not a known IANA time zone`);
  switch (type) {
    case TimeExpressionType.API:
    case TimeExpressionType.WORKFLOW:
      return null;
    case TimeExpressionType.CRON:
      return validateCron(expression, timeZone);
    case TimeExpressionType.FIXED_RATE:
    case TimeExpressionType.FIXED_DELAY:
      return validatePeriod(type, expression);
    case TimeExpressionType.DAILY_TIME_INTERVAL:
      return JSON.stringify(parseDailyTimeInterval(expression));
  }
}

function validateCron(expression: string | null | undefined, timeZone: string): string {
  const expr = (expression ?? '').trim();
  const fields = expr.split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) {
    throw new TimeExpressionError(`timeExpression: CRON needs 5 or 6 fields (got ${fields}: '${expr}')`);
  }
  try {
    const next = CronExpressionParser.parse(expr, { tz: timeZone, currentDate: new Date() });
    if (!next.hasNext()) throw new Error('it never fires');
    next.next();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new TimeExpressionError(`timeExpression: invalid CRON '${expr}': ${reason}`);
  }
  return expr;
}

function validatePeriod(type: TimeExpressionType, expression: string | null | undefined): string {
  const value = (expression ?? '').trim();
  if (!/^\d+$/.test(value) || Number(value) < 100) {
    throw new TimeExpressionError(`timeExpression: ${type} needs a period in milliseconds >= 100 (got '${value}')`);
  }
  return value;
}

export type IntervalUnit = 'SECONDS' | 'MINUTES' | 'HOURS';

export interface DailyTimeInterval {
  interval: number;
  unit: IntervalUnit;
  /** HH:mm:ss, in the job's time zone. */
  startTime: string;
  endTime: string;
  /** ISO days: 1 = Monday ... 7 = Sunday. */
  daysOfWeek: number[];
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

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

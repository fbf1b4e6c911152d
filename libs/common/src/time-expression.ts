import { CronExpressionParser } from 'cron-parser';
import { nextDailyIntervalFire, parseDailyTimeInterval } from './daily-time-interval';
import { TimeExpressionType } from './enums';
import { errorMessage } from './error-message';
import { TimeExpressionError } from './errors';
import { isValidTimeZone } from './time-zone';

/** Shortest period of FIXED_RATE / FIXED_DELAY: shorter ones would flood the instance table. */
export const MIN_PERIOD_MS = 100;
/** Longest period of FIXED_RATE / FIXED_DELAY (365 days): longer ones overflow what dates and timers can hold. */
export const MAX_PERIOD_MS = 365 * 24 * 3600 * 1000;

/**
 * Validates the expression of a job's trigger type and returns the normalised expression.
 * CRON: 5 fields (minute precision) or 6 fields (seconds first), in `timeZone`; `L` and `#` work (`W` does not);
 *   a pattern that never fires (e.g. 30 February) is rejected.
 * FIXED_RATE / FIXED_DELAY: milliseconds, 100 .. 365 days.
 * DAILY_TIME_INTERVAL: JSON, see DailyTimeInterval.
 * API / WORKFLOW: no expression (null).
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
      return String(parsePeriod(type, expression));
    case TimeExpressionType.DAILY_TIME_INTERVAL: {
      const dti = parseDailyTimeInterval(expression);
      if (nextDailyIntervalFire(dti, timeZone, Date.now()) === undefined) {
        throw new TimeExpressionError('timeExpression: this DAILY_TIME_INTERVAL never fires');
      }
      return JSON.stringify(dti);
    }
  }
}

/** True for the trigger types that fire by themselves (the server keeps a timer for them). */
export function isTimedType(type: TimeExpressionType): boolean {
  return (
    type === TimeExpressionType.CRON ||
    type === TimeExpressionType.FIXED_RATE ||
    type === TimeExpressionType.FIXED_DELAY ||
    type === TimeExpressionType.DAILY_TIME_INTERVAL
  );
}

function validateCron(expression: string | null | undefined, timeZone: string): string {
  const expr = (expression ?? '').trim().replace(/\s+/g, ' ');
  const fields = expr === '' ? 0 : expr.split(' ').length;
  if (fields !== 5 && fields !== 6) {
    throw new TimeExpressionError(`timeExpression: CRON needs 5 or 6 fields (got ${fields}: '${expr}')`);
  }
  try {
    CronExpressionParser.parse(expr, { tz: timeZone, currentDate: new Date() }).next();
  } catch (err) {
    const reason = errorMessage(err);
    throw new TimeExpressionError(`timeExpression: invalid CRON '${expr}': ${reason}`);
  }
  return expr;
}

export function parsePeriod(type: TimeExpressionType, expression: string | null | undefined): number {
  const value = (expression ?? '').trim();
  if (!/^\d+$/.test(value) || Number(value) < MIN_PERIOD_MS || Number(value) > MAX_PERIOD_MS) {
    throw new TimeExpressionError(
      `timeExpression: ${type} needs a period in milliseconds >= ${MIN_PERIOD_MS} and <= ${MAX_PERIOD_MS} (got '${value.slice(0, 30)}')`,
    );
  }
  return Number(value);
}

/** Next fire time strictly after `afterMs` of a CRON expression in a zone, or undefined when it never fires again. */
export function nextCronFire(expression: string, timeZone: string, afterMs: number): number | undefined {
  try {
    return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(afterMs) })
      .next()
      .getTime();
  } catch {
    return undefined;
  }
}

/**
 * The next `count` fire times (epoch ms) after `fromMs` of a validated expression. FIXED_DELAY counts from `fromMs`
 * as if each run took no time. API and WORKFLOW have none.
 */
export function nextFireTimes(
  type: TimeExpressionType,
  expression: string | null,
  timeZone: string,
  fromMs: number,
  count: number,
): number[] {
  const out: number[] = [];
  let after = fromMs;
  for (let i = 0; i < count; i++) {
    let next: number | undefined;
    switch (type) {
      case TimeExpressionType.CRON:
        next = nextCronFire(expression ?? '', timeZone, after);
        break;
      case TimeExpressionType.FIXED_RATE:
      case TimeExpressionType.FIXED_DELAY:
        next = after + parsePeriod(type, expression);
        break;
      case TimeExpressionType.DAILY_TIME_INTERVAL:
        next = nextDailyIntervalFire(parseDailyTimeInterval(expression), timeZone, after);
        break;
      default:
        next = undefined;
    }
    if (next === undefined) break;
    out.push(next);
    after = next;
  }
  return out;
}

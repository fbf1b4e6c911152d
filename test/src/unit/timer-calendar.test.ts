import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nextDailyIntervalFire,
  nextFireTimes,
  parseDailyTimeInterval,
  TimeExpressionType,
  zonedParts,
  zonedTimeToEpoch,
} from '@jobnest/common';
import {
  DAILY_INTERVAL_PATTERN_PREFIX,
  FIXED_RATE_PATTERN_PREFIX,
  jobnestRepeatStrategy,
  nextSlot,
  TRIGGER_LEAD_MS,
  missedSlots,
  catchUpSlots,
  takenLate,
  type CatchUpTarget,
} from '@jobnest/server/internal';

const iso = (ms: number | undefined): string => (ms === undefined ? 'never' : new Date(ms).toISOString());

describe('time zones', () => {
  it('converts wall-clock times both ways, across DST', () => {
    // Paris: UTC+1 in winter, UTC+2 in summer (DST began 2026-03-29 at 02:00 local).
    assert.equal(iso(zonedTimeToEpoch(2026, 1, 15, 9, 0, 0, 'Europe/Paris')), '2026-01-15T08:00:00.000Z');
    assert.equal(iso(zonedTimeToEpoch(2026, 7, 15, 9, 0, 0, 'Europe/Paris')), '2026-07-15T07:00:00.000Z');
    const p = zonedParts(Date.parse('2026-07-15T07:00:00Z'), 'Europe/Paris');
    assert.deepEqual([p.hour, p.minute, p.weekday], [9, 0, 3]);
    // 02:30 does not exist on the DST day: the instant after the gap.
    assert.equal(iso(zonedTimeToEpoch(2026, 3, 29, 2, 30, 0, 'Europe/Paris')), '2026-03-29T01:30:00.000Z');
  });
});

describe('DAILY_TIME_INTERVAL', () => {
  const weekdays = parseDailyTimeInterval(
    '{"interval":15,"unit":"MINUTES","startTime":"09:00","endTime":"10:00","daysOfWeek":[1,2,3,4,5]}',
  );

  it('fires on the grid from the start time, end time included', () => {
    const from = Date.parse('2026-11-24T07:50:00Z'); // Tue 08:50 Paris
    const times = [];
    let t = from;
    for (let i = 0; i < 6; i++) {
      t = nextDailyIntervalFire(weekdays, 'Europe/Paris', t)!;
      times.push(iso(t));
    }
    assert.deepEqual(times, [
      '2026-11-24T08:00:00.000Z',
      '2026-11-24T08:15:00.000Z',
      '2026-11-24T08:30:00.000Z',
      '2026-11-24T08:45:00.000Z',
      '2026-11-24T09:00:00.000Z',
      '2026-11-25T08:00:00.000Z',
    ]);
  });

  it('skips days not listed (Friday evening -> Monday morning)', () => {
    assert.equal(
      iso(nextDailyIntervalFire(weekdays, 'Europe/Paris', Date.parse('2026-11-27T09:30:00Z'))),
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('continues mid-window on the grid, not from now', () => {
    const everySeven = parseDailyTimeInterval(
      '{"interval":7,"unit":"SECONDS","startTime":"00:00:00","endTime":"23:59:59"}',
    );
    const next = nextDailyIntervalFire(everySeven, 'UTC', Date.parse('2026-11-25T12:00:00.500Z'))!;
    assert.equal((next - Date.parse('2026-11-25T00:00:00Z')) % 7000, 0);
    assert.ok(next > Date.parse('2026-11-25T12:00:00.500Z') && next <= Date.parse('2026-11-25T12:00:07.500Z'));
  });

  it('keeps wall-clock times across DST in its zone', () => {
    const daily = parseDailyTimeInterval('{"interval":1,"unit":"HOURS","startTime":"09:00","endTime":"09:00"}');
    assert.equal(
      iso(nextDailyIntervalFire(daily, 'Europe/Paris', Date.parse('2026-03-28T12:00:00Z'))),
      '2026-03-29T07:00:00.000Z',
    );
    assert.equal(
      iso(nextDailyIntervalFire(daily, 'Europe/Paris', Date.parse('2026-03-27T12:00:00Z'))),
      '2026-03-28T08:00:00.000Z',
    );
  });
});

describe('nextFireTimes', () => {
  it('lists CRON times in a zone and FIXED_RATE periods', () => {
    const from = Date.parse('2026-11-25T10:00:00Z');
    assert.deepEqual(nextFireTimes(TimeExpressionType.CRON, '0 30 9 * * *', 'Asia/Tokyo', from, 2).map(iso), [
      '2026-11-26T00:30:00.000Z',
      '2026-11-27T00:30:00.000Z',
    ]);
    assert.deepEqual(nextFireTimes(TimeExpressionType.FIXED_RATE, '250', 'UTC', from, 3), [
      from + 250,
      from + 500,
      from + 750,
    ]);
    assert.deepEqual(nextFireTimes(TimeExpressionType.API, null, 'UTC', from, 5), []);
  });
});

describe('trigger schedule (nextSlot and the repeat strategy)', () => {
  const at = Date.parse('2026-11-25T10:00:00.400Z');

  it('gives the next cron slot in the zone', () => {
    assert.equal(iso(nextSlot(at, { pattern: '* * * * * *', tz: 'UTC' })), '2026-11-25T10:00:01.000Z');
    assert.equal(iso(nextSlot(at, { pattern: '0 0 12 * * *', tz: 'Europe/Paris' })), '2026-11-25T11:00:00.000Z');
  });

  it('fires nothing before the lifecycle start or after its end', () => {
    const start = Date.parse('2026-11-25T10:05:00Z');
    assert.equal(
      iso(nextSlot(at, { pattern: '* * * * * *', tz: 'UTC', startDate: start })),
      '2026-11-25T10:05:00.000Z',
    );
    assert.equal(nextSlot(at, { pattern: '* * * * * *', tz: 'UTC', endDate: at + 300 }), undefined);
  });

  it('reads DAILY_TIME_INTERVAL and FIXED_RATE patterns', () => {
    const pattern = `${DAILY_INTERVAL_PATTERN_PREFIX}{"interval":2,"unit":"HOURS","startTime":"08:00","endTime":"18:00","daysOfWeek":[3]}`;
    assert.equal(iso(nextSlot(at, { pattern, tz: 'UTC' })), '2026-11-25T12:00:00.000Z');
    assert.equal(iso(nextSlot(at, { pattern: `${FIXED_RATE_PATTERN_PREFIX}250` })), '2026-11-25T10:00:00.500Z');
  });

  it('makes triggers due TRIGGER_LEAD_MS before their slots, one slot after the other', () => {
    const opts = { pattern: '* * * * * *', tz: 'UTC' };
    assert.equal(iso(jobnestRepeatStrategy(at, opts)! + TRIGGER_LEAD_MS), '2026-11-25T10:00:01.000Z');
    const late = Date.parse('2026-11-25T10:00:00.800Z'); // 10:00:01 is closer than the lead
    const firstDue = jobnestRepeatStrategy(late, opts)!;
    assert.equal(
      iso(firstDue + TRIGGER_LEAD_MS),
      '2026-11-25T10:00:02.000Z',
      'a slot closer than the lead is left out',
    );
    const secondDue = jobnestRepeatStrategy(firstDue, opts)!;
    assert.equal(secondDue - firstDue, 1000, 'the next due time is the next slot, not the same one again');
  });
});

describe('missedSlots (what a late trigger left behind)', () => {
  const rate = { pattern: `${FIXED_RATE_PATTERN_PREFIX}1000` };
  const t0 = Date.parse('2026-11-25T10:00:00.000Z');

  it('finds nothing after a trigger taken on time', () => {
    assert.deepEqual(missedSlots(t0, t0 - TRIGGER_LEAD_MS + 5, t0 - 10_000, rate, 100), {
      misfired: 0,
      capped: false,
      due: [],
      lastMisfired: undefined,
    });
  });

  it('lists the slots whose triggers were due, up to the lead ahead of now', () => {
    const now = t0 + 3500;
    const missed = missedSlots(t0, now, now - 10_000, rate, 100);
    assert.deepEqual(missed.due.map(iso), [
      '2026-11-25T10:00:01.000Z',
      '2026-11-25T10:00:02.000Z',
      '2026-11-25T10:00:03.000Z',
    ]);
    assert.equal(missed.misfired, 0);
    const nearNext = missedSlots(t0, t0 + 3800, t0 + 3800 - 10_000, rate, 100);
    assert.equal(nearNext.due.length, 4, 'the slot 200 ms ahead is due (the lead is 300 ms)');
  });

  it('counts the slots older than the threshold and lists the rest', () => {
    const now = t0 + 10_500;
    const missed = missedSlots(t0, now, now - 2000, rate, 100);
    assert.equal(missed.misfired, 8, 'slots 1..8 are more than 2 s old');
    assert.equal(missed.lastMisfired, t0 + 8000, 'the calendar is handled up to slot 8');
    assert.deepEqual(missed.due.map(iso), ['2026-11-25T10:00:09.000Z', '2026-11-25T10:00:10.000Z']);
    assert.equal(missed.capped, false);
  });

  it('stops counting at maxCounted and still lists the recent slots', () => {
    const now = t0 + 86_400_000;
    const missed = missedSlots(t0, now, now - 1500, rate, 50);
    assert.deepEqual({ misfired: missed.misfired, capped: missed.capped }, { misfired: 50, capped: true });
    assert.equal(missed.lastMisfired, now - 1501, 'past the cap, handled up to the threshold');
    assert.deepEqual(
      missed.due.map((t) => t - now),
      [-1000, 0],
    );
  });

  it('stops at the end of the lifecycle', () => {
    const missed = missedSlots(t0, t0 + 5000, t0 - 10_000, { ...rate, endDate: t0 + 2000 }, 100);
    assert.deepEqual(missed.due.map(iso), ['2026-11-25T10:00:01.000Z', '2026-11-25T10:00:02.000Z']);
  });
});

describe('catchUpSlots (a late trigger, after its launch waited for the slot)', () => {
  const quiet = { warn: () => undefined } as unknown as Parameters<typeof catchUpSlots>[4];

  /** A 100 ms FIXED_RATE job's catch-up; no slot misfires here, so its counters are never written. */
  function target(fired: number[]): CatchUpTarget {
    return {
      name: 'job 1',
      id: 1,
      rows: undefined as unknown as CatchUpTarget['rows'],
      repeat: { pattern: `${FIXED_RATE_PATTERN_PREFIX}100` },
      fire: (slot) => Promise.resolve(fired.push(slot)),
      onMisfired: () => assert.fail('nothing misfires within the threshold'),
    };
  }

  it('fires only the slots due by the time the trigger was taken, not those of the triggers armed then', async () => {
    // The trigger of `slot` was taken 70 ms late (230 ms before the slot) and its launch waited until the slot: BullMQ
    // armed the next trigger when it was taken, for slot + 100, so nothing is left behind.
    const slot = Math.floor(Date.now() / 100) * 100; // FIXED_RATE slots are on the period's grid
    const takenAt = slot - TRIGGER_LEAD_MS + 70;
    assert.equal(takenLate(slot, takenAt), true);
    const fired: number[] = [];
    await catchUpSlots(target(fired), slot, takenAt, 60_000, quiet);
    assert.deepEqual(fired, [], 'slot + 100 and slot + 200 have their own triggers');
  });

  it('fires the slots a trigger taken much later left behind, oldest first', async () => {
    // Taken 450 ms after its due time: the triggers of slot + 100 .. slot + 400 were due meanwhile and never armed.
    const slot = Math.floor(Date.now() / 100) * 100 - 200;
    const takenAt = slot - TRIGGER_LEAD_MS + 450;
    const fired: number[] = [];
    await catchUpSlots(target(fired), slot, takenAt, 60_000, quiet);
    assert.deepEqual(
      fired.map((s) => s - slot),
      [100, 200, 300, 400],
    );
  });
});

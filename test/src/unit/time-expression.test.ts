import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseDailyTimeInterval,
  TimeExpressionError,
  TimeExpressionType,
  validateTimeExpression,
} from '@jobnest/common';

describe('validateTimeExpression', () => {
  it('accepts 5- and 6-field cron in a time zone', () => {
    assert.equal(validateTimeExpression(TimeExpressionType.CRON, '*/5 * * * * *', 'Europe/Paris'), '*/5 * * * * *');
    assert.equal(validateTimeExpression(TimeExpressionType.CRON, ' 0 9 * * 1-5 ', 'UTC'), '0 9 * * 1-5');
  });

  it('rejects malformed cron, naming the field', () => {
    assert.throws(
      () => validateTimeExpression(TimeExpressionType.CRON, 'bad', 'UTC'),
      /timeExpression: CRON needs 5 or 6 fields/,
    );
    assert.throws(() => validateTimeExpression(TimeExpressionType.CRON, '0 0 99 * * *', 'UTC'), TimeExpressionError);
    assert.throws(() => validateTimeExpression(TimeExpressionType.CRON, null, 'UTC'), TimeExpressionError);
  });

  it('rejects unknown time zones', () => {
    assert.throws(
      () => validateTimeExpression(TimeExpressionType.API, null, 'Mars/Olympus'),
      /timeZone 'Mars\/Olympus'/,
    );
  });

  it('checks fixed periods', () => {
    assert.equal(validateTimeExpression(TimeExpressionType.FIXED_RATE, '500'), '500');
    assert.throws(() => validateTimeExpression(TimeExpressionType.FIXED_DELAY, '-5'), /milliseconds >= 100/);
    assert.throws(() => validateTimeExpression(TimeExpressionType.FIXED_RATE, '10'), /milliseconds >= 100/);
  });

  it('stores no expression for API and WORKFLOW', () => {
    assert.equal(validateTimeExpression(TimeExpressionType.API, 'ignored'), null);
    assert.equal(validateTimeExpression(TimeExpressionType.WORKFLOW, undefined), null);
  });

  it('normalises daily time intervals', () => {
    const parsed = parseDailyTimeInterval(
      '{"interval":15,"unit":"MINUTES","startTime":"09:00","endTime":"17:30","daysOfWeek":[5,1,1]}',
    );
    assert.deepEqual(parsed, {
      interval: 15,
      unit: 'MINUTES',
      startTime: '09:00:00',
      endTime: '17:30:00',
      daysOfWeek: [1, 5],
    });
    assert.throws(() => parseDailyTimeInterval('{"interval":0}'), /interval must be a whole number/);
    assert.throws(
      () => parseDailyTimeInterval('{"interval":1,"startTime":"18:00","endTime":"09:00"}'),
      /startTime must not be after/,
    );
    assert.throws(() => parseDailyTimeInterval('{"interval":1,"daysOfWeek":[8]}'), /daysOfWeek/);
    assert.throws(() => parseDailyTimeInterval('nope'), /needs JSON/);
  });
});

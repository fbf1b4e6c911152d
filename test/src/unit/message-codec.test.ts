import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceStatus, LogLevel, MessageDecodeError } from '@jobnest/common';
import { decodeInstanceStatusReport, decodeLogBatch, encodeMessage } from '@jobnest/transport';

describe('message codecs', () => {
  it('round-trips a status report', () => {
    const report = {
      kind: 'InstanceStatusReport' as const,
      instanceId: 7,
      workerId: 'w-1',
      runningTimes: 2,
      status: InstanceStatus.SUCCEEDED as const,
      result: 'ok',
      time: 123,
    };
    assert.deepEqual(decodeInstanceStatusReport(encodeMessage(report)), report);
  });

  it('rejects malformed entries with a reason', () => {
    assert.throws(() => decodeInstanceStatusReport('{not json'), (e: unknown) => e instanceof MessageDecodeError && /not valid JSON/.test(e.message));
    assert.throws(() => decodeInstanceStatusReport(undefined), /no 'm' field/);
    assert.throws(
      () => decodeInstanceStatusReport(JSON.stringify({ kind: 'InstanceStatusReport', instanceId: 1, workerId: 'w', runningTimes: 1, status: 'DONE', result: null, time: 1 })),
      /field 'status' must be one of/,
    );
    assert.throws(
      () => decodeInstanceStatusReport(JSON.stringify({ kind: 'InstanceStatusReport', instanceId: 1, workerId: 'bad id!', runningTimes: 1, status: 'RUNNING', result: null, time: 1 })),
      /not a valid worker id/,
    );
    assert.throws(() => decodeLogBatch(JSON.stringify({ kind: 'LogBatch', workerId: 'w', lines: [{ instanceId: 1, time: 1, level: 'LOUD', message: 'x' }] })), /level must be one of/);
  });

  it('decodes a log batch', () => {
    const batch = { kind: 'LogBatch' as const, workerId: 'w', lines: [{ instanceId: 1, time: 5, level: LogLevel.INFO, message: 'hi' }] };
    assert.deepEqual(decodeLogBatch(encodeMessage(batch)), batch);
  });
});

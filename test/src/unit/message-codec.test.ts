import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceStatus, LogLevel, MessageDecodeError } from '@jobnest/common';
import {
  decodeHeartbeat,
  decodeInstanceStatusReport,
  decodeLogBatch,
  encodeMessage,
  MESSAGE_LIMITS,
} from '@jobnest/transport';

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
    assert.throws(
      () => decodeInstanceStatusReport('{not json'),
      (e: unknown) => e instanceof MessageDecodeError && /not valid JSON/.test(e.message),
    );
    assert.throws(() => decodeInstanceStatusReport(undefined), /no 'm' field/);
    assert.throws(
      () =>
        decodeInstanceStatusReport(
          JSON.stringify({
            kind: 'InstanceStatusReport',
            instanceId: 1,
            workerId: 'w',
            runningTimes: 1,
            status: 'DONE',
            result: null,
            time: 1,
          }),
        ),
      /field 'status' must be one of/,
    );
    assert.throws(
      () =>
        decodeInstanceStatusReport(
          JSON.stringify({
            kind: 'InstanceStatusReport',
            instanceId: 1,
            workerId: 'bad id!',
            runningTimes: 1,
            status: 'RUNNING',
            result: null,
            time: 1,
          }),
        ),
      /not a valid worker id/,
    );
    assert.throws(
      () =>
        decodeLogBatch(
          JSON.stringify({
            kind: 'LogBatch',
            workerId: 'w',
            lines: [{ instanceId: 1, time: 1, level: 'LOUD', message: 'x' }],
          }),
        ),
      /level must be one of/,
    );
  });

  it('decodes a log batch', () => {
    const batch = {
      kind: 'LogBatch' as const,
      workerId: 'w',
      lines: [{ instanceId: 1, time: 5, level: LogLevel.INFO, message: 'hi' }],
    };
    assert.deepEqual(decodeLogBatch(encodeMessage(batch)), batch);
  });

  describe('range checks', () => {
    const report = {
      kind: 'InstanceStatusReport',
      instanceId: 7,
      workerId: 'w-1',
      runningTimes: 2,
      status: 'RUNNING',
      result: null,
      time: 1_700_000_000_000,
    };
    const line = { instanceId: 3, time: 1_700_000_000_000, level: 'INFO', message: 'hi' };
    const batch = (l: Record<string, unknown>): string =>
      JSON.stringify({ kind: 'LogBatch', workerId: 'w', lines: [line, l] });
    const heartbeat = {
      kind: 'Heartbeat',
      workerId: 'w-1',
      appId: 1,
      appName: 'app',
      host: 'h',
      pid: 42,
      tags: ['eu'],
      processors: ['p'],
      metrics: { cpuCores: 2, cpuLoad: 0.5, memoryTotalMb: 24_000, memoryFreeMb: 12_000, processRssMb: 120 },
      runningInstances: 0,
      maxConcurrentInstances: 16,
      time: 1_700_000_000_000,
      shuttingDown: false,
      sdkVersion: '1.0.0',
    };

    it('rejects a log time outside the epoch-ms range, naming the line and the field', () => {
      assert.throws(
        () => decodeLogBatch(batch({ ...line, time: 1e300 })),
        /lines\[1\]: field 'time' must be between 0 and 253402300799999/,
      );
      assert.throws(() => decodeLogBatch(batch({ ...line, time: -1 })), /field 'time' must be between/);
      assert.throws(() => decodeLogBatch(batch({ ...line, time: 1.5 })), /field 'time' must be a whole number/);
      assert.equal(
        decodeLogBatch(batch({ ...line, time: MESSAGE_LIMITS.maxEpochMs })).lines[1]?.time,
        MESSAGE_LIMITS.maxEpochMs,
      );
    });

    it('rejects ids that are not positive safe integers', () => {
      assert.throws(
        () => decodeLogBatch(batch({ ...line, instanceId: 0 })),
        /field 'instanceId' must be between 1 and/,
      );
      assert.throws(
        () => decodeLogBatch(batch({ ...line, instanceId: 2 ** 53 })),
        /field 'instanceId' must be between 1 and/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, instanceId: -4 })),
        /field 'instanceId'/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, runningTimes: 0 })),
        /field 'runningTimes'/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, instanceId: '7' })),
        /field 'instanceId' must be a number/,
      );
      assert.throws(() => decodeHeartbeat(JSON.stringify({ ...heartbeat, appId: 0 })), /field 'appId'/);
      assert.throws(() => decodeHeartbeat(JSON.stringify({ ...heartbeat, pid: 1e20 })), /field 'pid'/);
    });

    it('rejects report times and task counts out of range', () => {
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, time: 1e300 })),
        /field 'time' must be between/,
      );
      const tasks = { total: 4, waiting: 1, running: 1, succeeded: 1, failed: 1 };
      assert.deepEqual(decodeInstanceStatusReport(JSON.stringify({ ...report, tasks })).tasks, tasks);
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, tasks: { ...tasks, failed: -1 } })),
        /field 'failed' must be between 0 and/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, tasks: { ...tasks, total: 2 ** 60 } })),
        /field 'total'/,
      );
    });

    it('bounds string lengths and list sizes', () => {
      const long = 'x'.repeat(MESSAGE_LIMITS.maxLongText + 1);
      assert.throws(
        () => decodeLogBatch(batch({ ...line, message: long })),
        /field 'message' is longer than 1048576 characters/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, result: long })),
        /field 'result' is longer than/,
      );
      const lines = Array.from({ length: MESSAGE_LIMITS.maxListLength + 1 }, () => line);
      assert.throws(
        () => decodeLogBatch(JSON.stringify({ kind: 'LogBatch', workerId: 'w', lines })),
        /field 'lines' has more than 10000 lines/,
      );
      assert.throws(
        () => decodeHeartbeat(JSON.stringify({ ...heartbeat, host: 'h'.repeat(256) })),
        /field 'host' is longer than 255/,
      );
      assert.throws(
        () => decodeHeartbeat(JSON.stringify({ ...heartbeat, tags: ['t'.repeat(300)] })),
        /field 'tags' has an item longer than 255/,
      );
    });

    it('checks heartbeat metrics and counts', () => {
      assert.equal(decodeHeartbeat(JSON.stringify(heartbeat)).metrics.cpuLoad, 0.5);
      assert.throws(
        () => decodeHeartbeat(JSON.stringify({ ...heartbeat, metrics: { ...heartbeat.metrics, memoryFreeMb: -5 } })),
        /field 'memoryFreeMb' must be between 0/,
      );
      assert.throws(
        () => decodeHeartbeat(JSON.stringify({ ...heartbeat, runningInstances: -1 })),
        /field 'runningInstances'/,
      );
      assert.throws(() => decodeHeartbeat(JSON.stringify({ ...heartbeat, time: 1e300 })), /field 'time'/);
    });

    it('reads the features a worker announces, none for an older worker', () => {
      assert.deepEqual(decodeHeartbeat(JSON.stringify(heartbeat)).features, []);
      assert.deepEqual(decodeHeartbeat(JSON.stringify({ ...heartbeat, features: null })).features, []);
      assert.deepEqual(decodeHeartbeat(JSON.stringify({ ...heartbeat, features: ['command-batch'] })).features, [
        'command-batch',
      ]);
      assert.throws(
        () => decodeHeartbeat(JSON.stringify({ ...heartbeat, features: 'command-batch' })),
        /field 'features' must be a list of strings/,
      );
    });

    it('checks enums against their sets', () => {
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, status: 'CANCELED' })),
        /field 'status' must be one of RUNNING, SUCCEEDED, FAILED, STOPPED/,
      );
      assert.throws(
        () => decodeInstanceStatusReport(JSON.stringify({ ...report, status: 7 })),
        /field 'status' must be one of/,
      );
      assert.throws(() => decodeLogBatch(batch({ ...line, level: 'info' })), /lines\[1\]\.level must be one of/);
    });
  });
});

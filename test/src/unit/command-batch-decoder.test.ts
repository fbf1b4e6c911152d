import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageDecodeError } from '@jobnest/common';
import { decodeCommandBatch, decodeWorkerCommand } from '@jobnest/transport';

const stop = { kind: 'StopInstance', instanceId: 4, reason: 'user' };
const ack = { kind: 'AckInstanceStatus', instanceId: 5, runningTimes: 2 };
const running = { kind: 'AckInstanceRunning', instanceId: 6, runningTimes: 1 };

describe('decoding a CommandBatch', () => {
  it('keeps the good elements in order, refuses the malformed ones and skips unknown kinds', () => {
    const batch = decodeWorkerCommand('CommandBatch', {
      kind: 'CommandBatch',
      commands: [
        stop,
        { kind: 'AckInstanceStatus', instanceId: 0, runningTimes: 1 }, // instanceId must be >= 1
        { kind: 'FutureCommand', anything: true },
        ack,
        'not a command',
        { kind: 'CommandBatch', commands: [running] }, // never nested
        running,
      ],
    });
    assert.equal(batch?.kind, 'CommandBatch');
    if (batch?.kind !== 'CommandBatch') return;
    assert.deepEqual(batch.commands, [stop, ack, running]);
    assert.deepEqual(batch.unknownKinds, ['FutureCommand']);
    assert.equal(batch.refused.length, 3);
    assert.match(batch.refused[0], /^commands\[1\] \(AckInstanceStatus\): field 'instanceId' must be >= 1$/);
    assert.match(batch.refused[1], /^commands\[4\] is not an object with a kind$/);
    assert.match(batch.refused[2], /^commands\[5\] \(CommandBatch\): a CommandBatch inside a CommandBatch$/);
  });

  it('decodes each element with the per-kind decoding (defaults filled in)', () => {
    const { commands, refused } = decodeCommandBatch({
      commands: [
        { kind: 'StopTasks', instanceId: 9 },
        { kind: 'SubtasksCreated', instanceId: 9, runningTimes: 1 },
      ],
    });
    assert.deepEqual(refused, []);
    assert.deepEqual(commands, [
      { kind: 'StopTasks', instanceId: 9, reason: 'no reason given' },
      { kind: 'SubtasksCreated', instanceId: 9, runningTimes: 1, count: 0, firstTaskId: 0 },
    ]);
  });

  it('throws only when the batch itself is malformed', () => {
    assert.throws(() => decodeWorkerCommand('CommandBatch', { kind: 'CommandBatch' }), MessageDecodeError);
    assert.throws(() => decodeWorkerCommand('CommandBatch', { commands: 'x' }), /field 'commands' must be a list/);
    assert.throws(() => decodeWorkerCommand('CommandBatch', { kind: 'StopInstance', commands: [] }), /differ/);
    assert.throws(() => decodeCommandBatch([stop]), /command data is not an object/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogLevel, type LogLine } from '@jobnest/common';
// Internal to the SDK (not exported from its index): the LogShipper's bounded buffer.
import {
  LINE_OVERHEAD_BYTES,
  LogBuffer,
  logLineBytes,
  MAX_LOG_MESSAGE_CHARS,
  limitLogMessage,
} from '@jobnest/worker/internal';

function line(instanceId: number, message: string): LogLine {
  return { instanceId, time: 1, level: LogLevel.INFO, message };
}

/** A 100-character message costs 200 bytes; the buffer below holds 10 of them. */
const MESSAGE = 'x'.repeat(100);
const LINE_BYTES = 100 + LINE_OVERHEAD_BYTES;

describe('LogBuffer', () => {
  it('holds lines up to its byte bound, then drops and counts, warning once per burst', () => {
    const buffer = new LogBuffer(10 * LINE_BYTES);
    const outcomes = Array.from({ length: 10 }, () => buffer.push(line(1, MESSAGE)));
    assert.deepEqual(new Set(outcomes), new Set(['buffered']));
    assert.equal(buffer.byteSize, 10 * LINE_BYTES);

    assert.equal(buffer.push(line(1, MESSAGE)), 'dropping-started');
    assert.equal(buffer.push(line(2, 'tiny')), 'dropped'); // would fit, but the gap stays in one place
    assert.equal(buffer.push(line(1, MESSAGE)), 'dropped');
    assert.equal(buffer.length, 10);
    assert.equal(buffer.byteSize, 10 * LINE_BYTES);
    assert.equal(buffer.droppedCount, 3);
  });

  it('ends a burst after a shipment with one "N log lines dropped" line per instance, then takes lines again', () => {
    const buffer = new LogBuffer(4 * LINE_BYTES);
    for (let i = 0; i < 4; i++) buffer.push(line(1, MESSAGE));
    buffer.push(line(1, MESSAGE));
    buffer.push(line(1, MESSAGE));
    buffer.push(line(7, MESSAGE));

    const shipped = buffer.take(3);
    assert.equal(shipped.length, 3);
    assert.equal(buffer.byteSize, LINE_BYTES);
    assert.equal(buffer.endDropBurst(5000), 3);
    assert.equal(buffer.droppedCount, 0);
    assert.equal(buffer.push(line(1, 'after the gap')), 'buffered');

    const rest = buffer.take(100);
    assert.deepEqual(
      rest.map((l) => [l.instanceId, l.message]),
      [
        [1, MESSAGE],
        [1, `2 log lines dropped (the worker's log buffer of ${4 * LINE_BYTES} bytes was full)`],
        [7, `1 log lines dropped (the worker's log buffer of ${4 * LINE_BYTES} bytes was full)`],
        [1, 'after the gap'],
      ],
    );
    assert.equal(rest[1]!.level, LogLevel.WARN);
    assert.equal(rest[1]!.time, 5000);
    assert.equal(buffer.byteSize, 0);
    assert.equal(buffer.endDropBurst(6000), 0, 'no burst, no marker');
  });

  it('counts lines put back after a failed shipment, so the bound still holds', () => {
    const buffer = new LogBuffer(3 * LINE_BYTES);
    for (let i = 0; i < 3; i++) buffer.push(line(1, MESSAGE));
    const failed = buffer.take(2);
    assert.equal(buffer.push(line(1, MESSAGE)), 'buffered');
    buffer.putBack(failed);
    assert.equal(buffer.byteSize, 4 * LINE_BYTES);
    assert.equal(buffer.push(line(1, MESSAGE)), 'dropping-started');
    assert.deepEqual(
      buffer.take(10).map((l) => l.message.length),
      [100, 100, 100, 100],
    );
  });

  it('counts bytes in UTF-8 and cuts a huge line', () => {
    assert.equal(logLineBytes(line(1, 'é€😀')), 2 + 3 + 4 + LINE_OVERHEAD_BYTES);
    const buffer = new LogBuffer(1024 * 1024);
    buffer.push(line(1, 'y'.repeat(5_000_000)));
    const [kept] = buffer.take(1);
    assert.ok(kept!.message.startsWith('y'.repeat(MAX_LOG_MESSAGE_CHARS)));
    assert.ok(kept!.message.endsWith(`... (${5_000_000 - MAX_LOG_MESSAGE_CHARS} characters truncated)`));
    assert.ok(kept!.message.length < MAX_LOG_MESSAGE_CHARS + 100);
  });

  it('does not split a surrogate pair when cutting', () => {
    const message = 'a'.repeat(MAX_LOG_MESSAGE_CHARS - 1) + '😀' + 'b'.repeat(10);
    const cut = limitLogMessage(message);
    assert.ok(
      cut.startsWith(`${'a'.repeat(MAX_LOG_MESSAGE_CHARS - 1)}...`),
      cut.slice(MAX_LOG_MESSAGE_CHARS - 3, MAX_LOG_MESSAGE_CHARS + 5),
    );
    assert.equal(limitLogMessage('short'), 'short');
  });
});

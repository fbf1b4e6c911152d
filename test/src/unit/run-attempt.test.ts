import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BasicProcessor, ProcessResult, TaskContext } from '@jobnest/worker';
// Internal to the SDK (not exported from its index): one step of a processor turned into an outcome.
import { limitResult, MAX_RESULT_LENGTH, runAttempt, thrownResult } from '@jobnest/worker/internal';

const ctx = {} as TaskContext;
const processor = (process: () => Promise<unknown>): BasicProcessor => ({
  process: process as () => Promise<ProcessResult>,
});

describe('runAttempt', () => {
  it('turns the processor result into an outcome', async () => {
    assert.deepEqual(
      await runAttempt(
        processor(async () => ({ success: true, result: 'ok' })),
        ctx,
        'p',
      ),
      {
        status: 'SUCCEEDED',
        result: 'ok',
      },
    );
    assert.deepEqual(
      await runAttempt(
        processor(async () => ({ success: false })),
        ctx,
        'p',
      ),
      {
        status: 'FAILED',
        result: null,
      },
    );
  });

  it('fails on a thrown error with its message, or its name when the message is empty', async () => {
    const boom = processor(async () => {
      throw new Error('boom');
    });
    assert.deepEqual(await runAttempt(boom, ctx, 'p'), { status: 'FAILED', result: 'boom' });
    const empty = processor(async () => {
      throw new TypeError();
    });
    assert.deepEqual(await runAttempt(empty, ctx, 'p'), { status: 'FAILED', result: 'TypeError' });
    const sync = processor(() => {
      throw 'a string';
    });
    assert.deepEqual(await runAttempt(sync, ctx, 'p'), { status: 'FAILED', result: 'a string' });
  });

  it('fails a malformed return value saying so, and keeps a non-string result as JSON', async () => {
    assert.deepEqual(
      await runAttempt(
        processor(async () => 'done'),
        ctx,
        'demo.x',
      ),
      {
        status: 'FAILED',
        result: "processor 'demo.x' returned an invalid result: expected { success: boolean, result?: string }",
      },
    );
    assert.deepEqual(
      await runAttempt(
        processor(async () => ({ success: true, result: { n: 1 } })),
        ctx,
        'p',
      ),
      {
        status: 'SUCCEEDED',
        result: '{"n":1}',
      },
    );
  });

  it('runs another step of the processor when given one', async () => {
    const outcome = await runAttempt(
      processor(async () => ({ success: false })),
      ctx,
      'p',
      async () => ({
        success: true,
        result: 'reduced',
      }),
    );
    assert.deepEqual(outcome, { status: 'SUCCEEDED', result: 'reduced' });
  });

  it('thrownResult: message, else the error name, else the value as text', () => {
    assert.equal(thrownResult(new Error('x')), 'x');
    assert.equal(thrownResult(new RangeError('')), 'RangeError');
    assert.equal(thrownResult(42), '42');
  });
});

describe('limitResult', () => {
  it('keeps results up to 64 KiB characters and cuts longer ones, saying so', () => {
    assert.equal(limitResult(null), null);
    const max = 'x'.repeat(MAX_RESULT_LENGTH);
    assert.equal(limitResult(max), max);
    assert.equal(limitResult(`${max}y`), `${max}... (truncated)`);
  });
});

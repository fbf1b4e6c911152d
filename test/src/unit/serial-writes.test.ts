import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Internal to the SDK (not exported from its index): the queue of one run's task-table writes.
import { SerialWrites } from '@jobnest/worker/internal';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SerialWrites', () => {
  it('runs writes one after the other, in order, each result to its caller', async () => {
    const writes = new SerialWrites();
    const log: string[] = [];
    const slow = writes.run(async () => {
      log.push('a start');
      await tick(20);
      log.push('a end');
      return 'a';
    });
    const fast = writes.run(async () => {
      log.push('b start');
      return 'b';
    });
    assert.deepEqual(await Promise.all([slow, fast]), ['a', 'b']);
    assert.deepEqual(log, ['a start', 'a end', 'b start']);
  });

  it('goes on after a failed write; only its caller sees the error', async () => {
    const writes = new SerialWrites();
    const failed = writes.run(() => Promise.reject(new Error('deadlock')));
    const next = writes.run(async () => 'next');
    await assert.rejects(failed, /deadlock/);
    assert.equal(await next, 'next');
  });

  it('drained() settles once every write queued so far has, and never rejects', async () => {
    const writes = new SerialWrites();
    let done = false;
    void writes
      .run(async () => {
        await tick(10);
        done = true;
        throw new Error('lost connection');
      })
      .catch(() => undefined);
    await writes.drained();
    assert.equal(done, true);
  });
});

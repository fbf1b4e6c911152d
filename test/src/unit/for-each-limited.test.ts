import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { forEachLimited } from '@jobnest/common';

describe('forEachLimited', () => {
  it('calls every item once with at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([...Array(20).keys()], 3, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(i % 3);
      seen.push(i);
      inFlight--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      [...Array(20).keys()],
    );
  });

  it('rejects with the error of a call, and does nothing for no items', async () => {
    await assert.rejects(
      forEachLimited([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error('two failed');
      }),
      /two failed/,
    );
    let calls = 0;
    await forEachLimited([], 4, async () => {
      calls++;
    });
    assert.equal(calls, 0);
  });
});

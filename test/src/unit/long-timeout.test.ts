import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { longTimeout, MAX_TIMER_DELAY_MS, type TimerFunctions } from '@jobnest/common';

/**
 * Fake time with Node's own rule for long delays: past 2^31-1 ms a timer fires after 1 ms. A longTimeout that
 * handed its whole delay to one timer would therefore fire at once here too, as it does on real Node.
 */
class NodeLikeFakeTimers implements TimerFunctions {
  now = 0;
  /** Delay asked of each timer, in order. */
  readonly requestedDelays: number[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    this.requestedDelays.push(ms);
    const effective = ms > MAX_TIMER_DELAY_MS ? 1 : Math.max(1, ms);
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + effective, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in due order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

const LONG_MS = 2 ** 31 + 1000;

describe('longTimeout', () => {
  it('does not fire a 2^31+1000 ms timeout early: it chains timers of at most 2^31-1 ms', () => {
    const timers = new NodeLikeFakeTimers();
    let calls = 0;
    longTimeout(() => calls++, LONG_MS, timers);
    timers.advance(1000);
    assert.equal(calls, 0, 'fired after 1 s (a plain setTimeout of this length fires at once)');
    timers.advance(MAX_TIMER_DELAY_MS - 1000);
    assert.equal(calls, 0, 'fired at the end of the first timer of the chain');
    timers.advance(LONG_MS - timers.now - 1);
    assert.equal(calls, 0, 'fired 1 ms early');
    timers.advance(1);
    assert.equal(calls, 1);
    assert.deepEqual(timers.requestedDelays, [MAX_TIMER_DELAY_MS, LONG_MS - MAX_TIMER_DELAY_MS]);
    assert.ok(timers.requestedDelays.every((ms) => ms <= MAX_TIMER_DELAY_MS));
    assert.equal(timers.pendingCount, 0);
  });

  it('uses a single timer of the exact delay up to 2^31-1 ms', () => {
    const timers = new NodeLikeFakeTimers();
    let calls = 0;
    longTimeout(() => calls++, MAX_TIMER_DELAY_MS, timers);
    assert.deepEqual(timers.requestedDelays, [MAX_TIMER_DELAY_MS]);
    timers.advance(MAX_TIMER_DELAY_MS);
    assert.equal(calls, 1);
  });

  it('clear() stops it before it fires, also in the middle of the chain', () => {
    const timers = new NodeLikeFakeTimers();
    let calls = 0;
    const early = longTimeout(() => calls++, LONG_MS, timers);
    early.clear();
    const midway = longTimeout(() => calls++, 3 * MAX_TIMER_DELAY_MS, timers);
    timers.advance(MAX_TIMER_DELAY_MS + 10);
    midway.clear();
    midway.clear();
    timers.advance(3 * MAX_TIMER_DELAY_MS);
    assert.equal(calls, 0);
    assert.equal(timers.pendingCount, 0);
  });

  it('fires a negative or NaN delay on the next tick, like setTimeout', () => {
    const timers = new NodeLikeFakeTimers();
    let calls = 0;
    longTimeout(() => calls++, -5, timers);
    longTimeout(() => calls++, Number.NaN, timers);
    assert.deepEqual(timers.requestedDelays, [0, 0]);
    timers.advance(1);
    assert.equal(calls, 2);
  });

  it('on real Node timers, a 2^31+1000 ms timeout is still pending 200 ms later', async () => {
    let fired = false;
    const handle = longTimeout(() => (fired = true), LONG_MS);
    // Waiting is the point here: a plain setTimeout of this length fires after 1 ms.
    await sleep(200);
    handle.clear();
    assert.equal(fired, false);
  });
});

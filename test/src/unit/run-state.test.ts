import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// Internal to the SDK (not exported from its index): the TaskTracker's lifecycle and pump schedule.
import { RunStateMachine } from '@jobnest/worker/internal';

function running(): RunStateMachine {
  const m = new RunStateMachine();
  m.started();
  return m;
}

describe('RunStateMachine', () => {
  it('starts in starting, where no pump may run and the completion check may not begin', () => {
    const m = new RunStateMachine();
    assert.deepEqual(m.state, { phase: 'starting' });
    assert.equal(m.beginPump(), false);
    assert.equal(m.beginFinishing(), false);
    assert.deepEqual(m.state, { phase: 'starting' }, 'a dropped pump leaves no trace');
    m.started();
    assert.deepEqual(m.state, { phase: 'running', pump: 'idle' });
  });

  it('runs one pump at a time: a pump asked for meanwhile makes the running one go round again, once', () => {
    const m = running();
    assert.equal(m.beginPump(), true);
    assert.deepEqual(m.state, { phase: 'running', pump: 'pumping' });
    assert.equal(m.beginPump(), false, 'one pump runs already');
    assert.equal(m.beginPump(), false);
    assert.deepEqual(m.state, { phase: 'running', pump: 'pump-again' });
    assert.equal(m.continuePump(false), true, 'asked meanwhile: another round');
    assert.deepEqual(m.state, { phase: 'running', pump: 'pumping' }, 'the request is served');
    assert.equal(m.continuePump(false), false, 'no progress, nothing asked: it stops');
    m.endPump();
    assert.deepEqual(m.state, { phase: 'running', pump: 'idle' });
  });

  it('goes round again while a round makes progress', () => {
    const m = running();
    m.beginPump();
    assert.equal(m.continuePump(true), true);
    assert.equal(m.continuePump(true), true);
    assert.equal(m.continuePump(false), false);
  });

  it('begins the completion check only while no pump runs, and lets pumps run during it', () => {
    const m = running();
    m.beginPump();
    assert.equal(m.beginFinishing(), false, 'a pump runs');
    m.endPump();
    assert.equal(m.beginFinishing(), true);
    assert.deepEqual(m.state, { phase: 'finishing', pump: 'idle' });
    assert.equal(m.beginFinishing(), false, 'one check at a time');
    assert.equal(m.beginPump(), true, 'a result arriving meanwhile is dispatched on');
    assert.deepEqual(m.state, { phase: 'finishing', pump: 'pumping' });
    m.finishingDone();
    assert.deepEqual(m.state, { phase: 'running', pump: 'pumping' }, 'back to running, the pump still scheduled');
    m.endPump();
    assert.deepEqual(m.state, { phase: 'running', pump: 'idle' });
  });

  it('ends once from any phase; an ended run pumps no more and its check does not reopen it', () => {
    for (const setUp of [
      (m: RunStateMachine) => m,
      (m: RunStateMachine) => m.started(),
      (m: RunStateMachine) => {
        m.started();
        m.beginPump();
      },
      (m: RunStateMachine) => {
        m.started();
        m.beginFinishing();
      },
    ]) {
      const m = new RunStateMachine();
      setUp(m);
      assert.equal(m.end(), true);
      assert.equal(m.ended, true);
      assert.equal(m.end(), false, 'the first outcome wins');
      assert.equal(m.beginPump(), false);
      assert.equal(m.continuePump(true), false, 'a pump in its round stops');
      m.endPump();
      m.finishingDone();
      m.started();
      assert.deepEqual(m.state, { phase: 'ended' });
    }
  });
});

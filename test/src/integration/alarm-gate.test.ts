import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { AlarmEventType } from '@jobnest/common';
import {
  AlarmGate,
  type AlarmEvent,
  type GateDecision,
  type GateRule,
  type RedisConnections,
  type ServerConfig,
} from '@jobnest/server/internal';
import { REDIS_URL, TestNamespace } from '../support/isolated-namespace';

let sequence = 0;
function failure(subject = 'job:1'): AlarmEvent {
  sequence++;
  return {
    type: AlarmEventType.INSTANCE_FAILED,
    key: `instance:${sequence}:run:1:failed`,
    appId: 1,
    appName: 'app',
    subject,
    occurredAt: Date.now(),
    reason: `failure ${sequence}`,
    instanceId: sequence,
  };
}

function periodOf(decision: GateDecision): string {
  assert.equal(decision.outcome, 'held');
  return decision.outcome === 'held' ? decision.period : '';
}

function rule(id: number, over: Partial<GateRule> = {}): GateRule {
  return { id, thresholdCount: 1, thresholdWindowMs: 60_000, silenceMs: 0, ...over };
}

/** The alarm gate's Lua scripts on the real Redis: threshold, silence, once across servers, summary, recovery. */
describe('AlarmGate', () => {
  const ns = new TestNamespace();
  let redis: Redis;
  let gate: AlarmGate;

  before(() => {
    redis = new Redis(REDIS_URL);
    gate = new AlarmGate(
      { dedicatedConnection: () => redis } as unknown as RedisConnections,
      { prefix: ns.prefix } as unknown as ServerConfig,
    );
  });

  after(async () => {
    redis.disconnect();
    await ns.drop();
  });

  it('decides an event once, however many servers evaluate it', async () => {
    const event = failure();
    const r = rule(1);
    const decisions = await Promise.all([1, 2, 3].map(() => gate.evaluate([{ rule: r, event, marksFailing: false }])));
    assert.deepEqual(decisions.map(([d]) => d!.outcome).sort(), ['alarm', 'dup', 'dup']);
  });

  it('alarms at the Nth event within the window, then counts again from zero', async () => {
    const r = rule(2, { thresholdCount: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const [d] = await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
      outcomes.push(d!.outcome);
    }
    assert.deepEqual(outcomes, ['below', 'below', 'alarm', 'below', 'below', 'alarm']);
  });

  it('forgets events older than the window', async () => {
    const r = rule(3, { thresholdCount: 2, thresholdWindowMs: 300 });
    const [first] = await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [second] = await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    const [third] = await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    assert.deepEqual([first!.outcome, second!.outcome, third!.outcome], ['below', 'below', 'alarm']);
  });

  it('holds events back during the silence period, per subject, and the summary reports them once', async () => {
    const r = rule(4, { silenceMs: 500 });
    const batch = Array.from({ length: 10 }, () => ({ rule: r, event: failure('job:7'), marksFailing: false }));
    const decisions = await gate.evaluate(batch);
    assert.equal(decisions[0]!.outcome, 'alarm');
    assert.deepEqual(
      decisions.slice(1).map((d) => (d.outcome === 'held' ? d.heldSoFar : -1)),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const period = periodOf(decisions[1]!);
    const [other] = await gate.evaluate([{ rule: r, event: failure('job:8'), marksFailing: false }]);
    assert.equal(other!.outcome, 'alarm', 'another subject has its own silence');

    await new Promise((resolve) => setTimeout(resolve, 550));
    const summary = await gate.flushHeld(r, 'job:7', period);
    assert.equal(summary?.held, 9);
    assert.equal(summary?.last.key, batch[9]!.event.key, 'the latest held event is shown');
    assert.deepEqual(await gate.flushHeld(r, 'job:7', period), summary, 'a retry gets the same summary');
    // The summary started a new period: the next event is held, not sent, and reported by that period's summary.
    const [next] = await gate.evaluate([{ rule: r, event: failure('job:7'), marksFailing: false }]);
    assert.equal(next!.outcome, 'held');
    await new Promise((resolve) => setTimeout(resolve, 550));
    assert.equal((await gate.flushHeld(r, 'job:7', periodOf(next!)))?.held, 1);
    await new Promise((resolve) => setTimeout(resolve, 550));
    const [after] = await gate.evaluate([{ rule: r, event: failure('job:7'), marksFailing: false }]);
    assert.deepEqual(after, { outcome: 'alarm', heldBefore: 0 }, 'after a quiet period an event alarms again');
  });

  it("leaves a new period's events to its own summary when an old period's summary comes late", async () => {
    const r = rule(7, { silenceMs: 60_000 });
    await gate.evaluate([{ rule: r, event: failure('job:3'), marksFailing: true }]);
    const [firstHeld] = await gate.evaluate([{ rule: r, event: failure('job:3'), marksFailing: true }]);
    assert.deepEqual(await gate.recover([{ ruleId: 7, subject: 'job:3' }]), [1]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [alarm] = await gate.evaluate([{ rule: r, event: failure('job:3'), marksFailing: true }]);
    assert.equal(alarm!.outcome, 'alarm');
    const [secondHeld] = await gate.evaluate([{ rule: r, event: failure('job:3'), marksFailing: true }]);
    assert.equal(await gate.flushHeld(r, 'job:3', periodOf(firstHeld!)), undefined, 'the old summary sends nothing');
    const [third] = await gate.evaluate([{ rule: r, event: failure('job:3'), marksFailing: true }]);
    assert.equal(third!.outcome, 'held', 'and does not end the running period');
    assert.equal(periodOf(third!), periodOf(secondHeld!));
  });

  it('an alarm after a period reports what the period held when no summary did', async () => {
    const r = rule(5, { silenceMs: 300 });
    await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [d] = await gate.evaluate([{ rule: r, event: failure(), marksFailing: false }]);
    assert.deepEqual(d, { outcome: 'alarm', heldBefore: 2 });
  });

  it('recovers a subject once, only after a failure alarm marked it, and ends its silence', async () => {
    const r = rule(6, { silenceMs: 60_000 });
    assert.deepEqual(await gate.recover([{ ruleId: 6, subject: 'job:9' }]), [undefined], 'nothing failed yet');
    await gate.evaluate([{ rule: r, event: failure('job:9'), marksFailing: true }]);
    await gate.evaluate([{ rule: r, event: failure('job:9'), marksFailing: true }]);
    const recovered = await gate.recover([
      { ruleId: 6, subject: 'job:9' },
      { ruleId: 6, subject: 'job:9' },
    ]);
    assert.deepEqual(recovered, [1, undefined], 'one recovery, reporting the held failure');
    const [d] = await gate.evaluate([{ rule: r, event: failure('job:9'), marksFailing: true }]);
    assert.equal(d!.outcome, 'alarm', 'a failure after the recovery alarms at once');
  });
});

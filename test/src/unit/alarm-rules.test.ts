import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlarmEventType, AlarmRuleScope } from '@jobnest/common';
import type { AlarmRuleEntity } from '@jobnest/persistence';
import { failureEventType, ruleForJob, ruleForWorkflow, ruleWants, type AppRules } from '@jobnest/server/internal';

function rule(id: number, over: Partial<AlarmRuleEntity> = {}): AlarmRuleEntity {
  return {
    id,
    appId: 1,
    scope: AlarmRuleScope.JOB,
    targetId: 0,
    events: [AlarmEventType.INSTANCE_FAILED],
    channelIds: [1],
    recipients: [],
    thresholdCount: 1,
    thresholdWindowMs: 60_000,
    silenceMs: 0,
    notifyRecovery: false,
    includeWorkflowNodes: false,
    enabled: true,
    createdTime: 0,
    updatedTime: 0,
    ...over,
  };
}

describe('failureEventType', () => {
  it('tells a time limit, a missing worker and any other failure apart from the reason written', () => {
    assert.equal(failureEventType('instance time limit of 1500 ms exceeded'), AlarmEventType.INSTANCE_TIMED_OUT);
    assert.equal(
      failureEventType('instance time limit of 1500 ms exceeded (worker did not report)'),
      AlarmEventType.INSTANCE_TIMED_OUT,
    );
    assert.equal(
      failureEventType('no worker available: no live worker has processor x (waited 60 s)'),
      AlarmEventType.NO_WORKER,
    );
    assert.equal(failureEventType('Error: demo failure'), AlarmEventType.INSTANCE_FAILED);
    // A processor's own message that merely mentions a worker is an ordinary failure.
    assert.equal(failureEventType('upstream said: no worker available today'), AlarmEventType.INSTANCE_FAILED);
  });
});

describe('which rule governs an event', () => {
  const own = rule(1, { targetId: 7 });
  const nodes = rule(2, { targetId: 8, includeWorkflowNodes: true });
  const flow = rule(3, { scope: AlarmRuleScope.WORKFLOW, targetId: 9 });
  const fallback = rule(4, { scope: AlarmRuleScope.APP });
  const rules: AppRules = {
    byJob: new Map([
      [7, own],
      [8, nodes],
    ]),
    byWorkflow: new Map([[9, flow]]),
    appDefault: fallback,
    anyRecovery: false,
  };

  it("takes a job's own rule, else the app's default", () => {
    assert.equal(ruleForJob(rules, 7, false), own);
    assert.equal(ruleForJob(rules, 99, false), fallback);
    assert.equal(ruleForJob(undefined, 7, false), undefined, 'an app without rules');
  });

  it("leaves a workflow node's failure to its workflow unless the job's rule includes nodes", () => {
    assert.equal(ruleForJob(rules, 7, true), undefined);
    assert.equal(ruleForJob(rules, 99, true), undefined, 'not the app default either');
    assert.equal(ruleForJob(rules, 8, true), nodes);
  });

  it("takes a workflow's own rule, else the app's default", () => {
    assert.equal(ruleForWorkflow(rules, 9), flow);
    assert.equal(ruleForWorkflow(rules, 10), fallback);
  });

  it("mutes a job whose own rule is disabled, rather than falling back to the app's default", () => {
    const muted = rule(7, { targetId: 11, enabled: false });
    const withMuted: AppRules = { ...rules, byJob: new Map([[11, muted]]) };
    assert.equal(ruleWants(ruleForJob(withMuted, 11, false), AlarmEventType.INSTANCE_FAILED), false);
    assert.equal(ruleWants(ruleForJob(withMuted, 12, false), AlarmEventType.INSTANCE_FAILED), true);
  });

  it('alarms only on the events a rule names, RECOVERED only with notifyRecovery, nothing when disabled', () => {
    assert.equal(ruleWants(own, AlarmEventType.INSTANCE_FAILED), true);
    assert.equal(ruleWants(own, AlarmEventType.SLOTS_MISSED), false);
    assert.equal(ruleWants(own, AlarmEventType.RECOVERED), false);
    assert.equal(ruleWants(rule(5, { notifyRecovery: true }), AlarmEventType.RECOVERED), true);
    assert.equal(ruleWants(rule(6, { enabled: false }), AlarmEventType.INSTANCE_FAILED), false);
    assert.equal(ruleWants(undefined, AlarmEventType.INSTANCE_FAILED), false);
  });
});

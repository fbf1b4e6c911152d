import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { planReportBatch, type ReportBatchInput, type ReportedRow } from '@jobnest/server/internal';

const NOW = 5_000;

function row(id: number, extra: Partial<ReportedRow> = {}): ReportedRow {
  return {
    id,
    appId: 1,
    jobId: 1,
    status: InstanceStatus.WAITING_WORKER_RECEIVE,
    workerId: 'w1',
    runningTimes: 1,
    triggerSlot: null,
    wfInstanceId: null,
    instanceRetriesOverride: null,
    flowKey: null,
    ...extra,
  };
}

function report(instanceId: number, status: InstanceStatusReport['status'], extra: Partial<InstanceStatusReport> = {}) {
  return {
    kind: 'InstanceStatusReport' as const,
    instanceId,
    workerId: 'w1',
    runningTimes: 1,
    status,
    result: status === InstanceStatus.RUNNING ? null : `${status} result`,
    time: 1,
    ...extra,
  };
}

function plan(reports: InstanceStatusReport[], rows: ReportedRow[], extra: Partial<ReportBatchInput> = {}) {
  return planReportBatch({
    reports,
    rows: new Map(rows.map((r) => [r.id, r])),
    jobRetries: new Map([[1, 0]]),
    contextMaxBytes: 100,
    now: NOW,
    ...extra,
  });
}

describe('report batch plan', () => {
  it("refuses a report carried by another app's stream, and changes nothing; a legacy stream is not checked", () => {
    const reports = [report(1, InstanceStatus.SUCCEEDED), report(2, InstanceStatus.SUCCEEDED)];
    const p = plan(reports, [row(1), row(2, { appId: 2 })], { streamApps: [1, 1] });
    assert.deepEqual(p.outcomes, ['applied', 'foreign-app']);
    assert.deepEqual([...p.changes.keys()], [1], 'the foreign report wrote nothing');
    assert.deepEqual(plan(reports, [row(1), row(2, { appId: 2 })], { streamApps: [null, null] }).outcomes, [
      'applied',
      'applied',
    ]);
  });

  it('applies an instance’s reports in order and writes their combined change once', () => {
    const p = plan(
      [report(1, InstanceStatus.RUNNING), report(2, InstanceStatus.RUNNING), report(1, InstanceStatus.SUCCEEDED)],
      [row(1), row(2, { triggerSlot: 60_000 })],
    );
    assert.deepEqual(p.outcomes, ['applied', 'applied', 'applied']);
    assert.deepEqual(p.changes.get(1), {
      status: InstanceStatus.SUCCEEDED,
      statusTime: NOW,
      result: 'SUCCEEDED result',
      statusReason: null,
      waitingForWorker: false,
      finishedTime: NOW,
    });
    assert.deepEqual(p.changes.get(2), { status: InstanceStatus.RUNNING, statusTime: NOW });
    assert.deepEqual(p.ended, [
      {
        id: 1,
        status: InstanceStatus.SUCCEEDED,
        workflowInstanceId: null,
        timed: false,
        jobId: 1,
        flowKey: null,
      },
    ]);
  });

  it('drops reports of unknown or finished instances, other runs and other workers', () => {
    const p = plan(
      [
        report(9, InstanceStatus.SUCCEEDED),
        report(1, InstanceStatus.SUCCEEDED),
        report(2, InstanceStatus.SUCCEEDED, { runningTimes: 1 }),
        report(3, InstanceStatus.RUNNING, { workerId: 'w2' }),
        report(4, InstanceStatus.SUCCEEDED),
        report(4, InstanceStatus.FAILED),
      ],
      [row(1, { status: InstanceStatus.STOPPED }), row(2, { runningTimes: 2 }), row(3), row(4)],
    );
    assert.deepEqual(p.outcomes, ['unknown-instance', 'dropped', 'dropped', 'dropped', 'applied', 'dropped']);
    assert.deepEqual([...p.changes.keys()], [4], 'the late FAILED after SUCCEEDED changes nothing');
    assert.equal(p.drops.length, 4);
    assert.match(p.drops[0]!, /instance already STOPPED/);
    assert.match(p.drops[1]!, /report of run 1, instance is on run 2/);
    assert.match(p.drops[2]!, /sender is not the run's worker \(w1\)/);
    assert.match(p.drops[3]!, /instance already SUCCEEDED/);
  });

  it('sends a failed run with retries left back to dispatch, elsewhere, and fails the last one', () => {
    const p = plan(
      [report(1, InstanceStatus.FAILED), report(2, InstanceStatus.FAILED), report(3, InstanceStatus.FAILED)],
      [
        row(1, { jobId: 7 }),
        row(2, { jobId: 7, runningTimes: 3, status: InstanceStatus.RUNNING }),
        row(3, { jobId: 8 }),
      ],
      { jobRetries: new Map([[7, 2]]) },
    );
    assert.deepEqual(
      p.outcomes,
      ['applied', 'dropped', 'applied'],
      'the report of run 1 of an instance on run 3 is late',
    );
    assert.equal(p.changes.get(1)?.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(p.changes.get(1)?.workerId, null);
    assert.match(p.changes.get(1)?.statusReason ?? '', /run 1 failed, retrying \(1\/2\): FAILED result/);
    assert.deepEqual(p.requeued, [{ id: 1, avoidWorker: 'w1' }]);
    assert.equal(p.changes.get(3)?.status, InstanceStatus.FAILED, 'a deleted job retries nothing');
    assert.deepEqual(
      p.ended.map((e) => e.id),
      [3],
    );
  });

  it('fails the last retry and honours a workflow node’s own retries', () => {
    const p = plan(
      [report(1, InstanceStatus.FAILED, { runningTimes: 3 }), report(2, InstanceStatus.FAILED)],
      [row(1, { runningTimes: 3 }), row(2, { instanceRetriesOverride: 1, wfInstanceId: 5 })],
      { jobRetries: new Map([[1, 2]]) },
    );
    assert.equal(p.changes.get(1)?.status, InstanceStatus.FAILED);
    assert.equal(p.changes.get(1)?.statusReason, 'FAILED result');
    assert.equal(p.changes.get(2)?.status, InstanceStatus.WAITING_DISPATCH, 'the node allows one retry');
  });

  it('stores progress of a running instance and a node’s context additions, refusing bad ones', () => {
    const tasks = { total: 3, waiting: 1, running: 1, succeeded: 1, failed: 0 };
    const p = plan(
      [
        report(1, InstanceStatus.RUNNING, { tasks }),
        report(2, InstanceStatus.SUCCEEDED, { contextAdditions: '{"a":1}' }),
        report(3, InstanceStatus.SUCCEEDED, { contextAdditions: '[1]' }),
        report(4, InstanceStatus.SUCCEEDED, { contextAdditions: `{"a":"${'x'.repeat(200)}"}` }),
        report(5, InstanceStatus.SUCCEEDED, { contextAdditions: '{"ignored":1}' }),
      ],
      [
        row(1, { status: InstanceStatus.RUNNING }),
        row(2, { wfInstanceId: 9 }),
        row(3, { wfInstanceId: 9 }),
        row(4, { wfInstanceId: 9 }),
        row(5),
      ],
    );
    assert.deepEqual(p.changes.get(1), { taskCounts: JSON.stringify(tasks) });
    assert.equal(p.changes.get(2)?.wfContextAdditions, '{"a":1}');
    assert.equal(p.changes.get(3)?.status, InstanceStatus.FAILED);
    assert.match(p.changes.get(3)?.result ?? '', /not a JSON object/);
    assert.match(p.changes.get(4)?.result ?? '', /over the limit of 100 bytes/);
    assert.equal(p.changes.get(5)?.wfContextAdditions, undefined, 'no workflow, no additions');
    assert.deepEqual(
      p.ended.map((e) => [e.id, e.workflowInstanceId]),
      [
        [2, 9],
        [3, 9],
        [4, 9],
        [5, null],
      ],
    );
  });
});

import { InstanceStatus, isFinalInstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import type { EndedInstance, InstanceChange } from '../instances/state/instance-change';
import type { LockedInstanceRow } from '../instances/state/instance.repository';
import { clipReason } from '../instances/state/status-reason';

export type ReportOutcome = 'applied' | 'dropped' | 'unknown-instance' | 'foreign-app';

/** What a batch of reports needs to know of an instance row (read under its row lock). */
export type ReportedRow = LockedInstanceRow;

export interface ReportBatchPlan {
  /** One per report, in the reports' order. */
  outcomes: ReportOutcome[];
  /** The changed columns of each instance the batch changes. */
  changes: Map<number, InstanceChange>;
  ended: EndedInstance[];
  /** Failed runs with instanceRetries left, back to WAITING_DISPATCH: dispatch them, elsewhere than `avoidWorker`. */
  requeued: { id: number; avoidWorker: string }[];
  /** Why reports were dropped, for the debug log. */
  drops: string[];
}

export interface ReportBatchInput {
  /** The reports, in stream order (an instance's reports are applied in this order). */
  reports: readonly InstanceStatusReport[];
  /**
   * The app whose stream carried each report, in the reports' order; null (a stream shared by every app, of the
   * layout before hash tags) or absent: not checked. A report of another app's instance changes nothing.
   */
  streamApps?: readonly (number | null)[];
  /** The rows of the reports' instances; an instance missing here does not exist. */
  rows: ReadonlyMap<number, ReportedRow>;
  /** instanceRetries of the rows' jobs; a job missing here was deleted (its failed run is not retried). */
  jobRetries: ReadonlyMap<number, number>;
  /** Largest context additions a workflow node may report (JOBNEST_WORKFLOW_CONTEXT_MAX_BYTES). */
  contextMaxBytes: number;
  now: number;
}

/**
 * Decides what a batch of status reports does, as each report alone would have done one after the other: reports of
 * unknown or finished instances, of another run or of a worker that is not the run's are dropped; RUNNING moves a
 * dispatched run on (and stores subtask progress); a final status ends the run, except a FAILED run with
 * instanceRetries left, which goes back to dispatch. Pure: the caller reads the rows under lock and writes `changes`.
 */
export function planReportBatch(input: ReportBatchInput): ReportBatchPlan {
  const plan: ReportBatchPlan = { outcomes: [], changes: new Map(), ended: [], requeued: [], drops: [] };
  // Each row as the reports before change it.
  const current = new Map<number, ReportedRow>();
  for (const [i, report] of input.reports.entries()) {
    const original = input.rows.get(report.instanceId);
    if (!original) {
      plan.outcomes.push('unknown-instance');
      continue;
    }
    const streamApp = input.streamApps?.[i] ?? null;
    if (streamApp !== null && streamApp !== original.appId) {
      plan.outcomes.push('foreign-app');
      continue;
    }
    const row = current.get(original.id) ?? { ...original };
    current.set(row.id, row);
    const why = dropReason(row, report);
    if (why !== undefined) {
      plan.drops.push(
        `dropped ${report.status} of instance ${report.instanceId} run ${report.runningTimes} from ${report.workerId}: ${why}`,
      );
      plan.outcomes.push('dropped');
      continue;
    }
    const change = (values: InstanceChange): void => {
      Object.assign(row, values);
      plan.changes.set(row.id, { ...plan.changes.get(row.id), ...values });
    };
    const counts = report.tasks ? { taskCounts: JSON.stringify(report.tasks) } : {};
    const finish = (
      status: InstanceStatus.SUCCEEDED | InstanceStatus.FAILED | InstanceStatus.STOPPED,
      result: string | null,
      reason: string | null,
      additions?: string,
    ): void => {
      change({
        status,
        result,
        statusReason: reason === null ? null : clipReason(reason),
        waitingForWorker: false,
        finishedTime: input.now,
        statusTime: input.now,
        ...counts,
        ...(additions === undefined ? {} : { wfContextAdditions: additions }),
      });
      plan.ended.push({
        id: row.id,
        status,
        workflowInstanceId: row.wfInstanceId,
        timed: row.triggerSlot !== null,
        jobId: row.jobId,
        flowKey: row.flowKey,
      });
    };
    plan.outcomes.push('applied');
    switch (report.status) {
      case InstanceStatus.RUNNING:
        // Already RUNNING (a repeated report): only the progress changes.
        if (row.status === InstanceStatus.WAITING_WORKER_RECEIVE)
          change({ status: InstanceStatus.RUNNING, statusTime: input.now, ...counts });
        else if (report.tasks) change(counts);
        break;
      case InstanceStatus.FAILED: {
        const jobRetries = input.jobRetries.get(row.jobId);
        // A workflow node may replace its job's instanceRetries.
        const retries = row.instanceRetriesOverride ?? jobRetries ?? 0;
        if (jobRetries !== undefined && row.runningTimes <= retries) {
          change({
            status: InstanceStatus.WAITING_DISPATCH,
            workerId: null,
            statusReason: clipReason(
              `run ${row.runningTimes} failed, retrying (${row.runningTimes}/${retries}): ${report.result ?? ''}`,
            ),
            waitingForWorker: false,
            result: report.result,
            statusTime: input.now,
            resumeNext: false,
          });
          plan.requeued.push({ id: row.id, avoidWorker: report.workerId });
        } else finish(InstanceStatus.FAILED, report.result, report.result);
        break;
      }
      case InstanceStatus.SUCCEEDED: {
        const additions = row.wfInstanceId === null ? undefined : report.contextAdditions;
        const refusal = additions === undefined ? undefined : refuseAdditions(additions, input.contextMaxBytes);
        // The SDK checks both; a report that breaks them anyway fails the node, clearly, instead of the workflow.
        if (refusal !== undefined) finish(InstanceStatus.FAILED, refusal, refusal);
        else finish(InstanceStatus.SUCCEEDED, report.result, null, additions);
        break;
      }
      case InstanceStatus.STOPPED:
        finish(InstanceStatus.STOPPED, report.result, null);
        break;
    }
  }
  return plan;
}

function dropReason(row: ReportedRow, report: InstanceStatusReport): string | undefined {
  if (isFinalInstanceStatus(row.status)) return `instance already ${row.status}`;
  if (row.runningTimes !== report.runningTimes)
    return `report of run ${report.runningTimes}, instance is on run ${row.runningTimes}`;
  if (row.workerId !== report.workerId) return `sender is not the run's worker (${row.workerId ?? 'none'})`;
  return undefined;
}

/** Why a node's context additions cannot be stored (not a JSON object, or over the limit), or undefined. */
function refuseAdditions(additions: string, maxBytes: number): string | undefined {
  const bytes = Buffer.byteLength(additions);
  if (bytes > maxBytes)
    return `the node's workflow context additions are ${bytes} bytes, over the limit of ${maxBytes} bytes`;
  try {
    const value = JSON.parse(additions) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
  } catch {
    // refused below
  }
  return "the node's workflow context additions are not a JSON object";
}

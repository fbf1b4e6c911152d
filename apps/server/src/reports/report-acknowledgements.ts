import {
  isFinalInstanceStatus,
  type AckInstanceRunningCommand,
  type AckInstanceStatusCommand,
  type InstanceStatusReport,
} from '@jobnest/common';

/** An acknowledgement for the queue of the worker that sent the report. */
export interface ReportAcknowledgement {
  workerId: string;
  command: AckInstanceStatusCommand | AckInstanceRunningCommand;
}

/**
 * One acknowledgement per report (the worker re-sends a report until it gets one), a single one per run and kind in
 * a batch: a final report acknowledged with AckInstanceStatus, a RUNNING one with AckInstanceRunning.
 */
export function reportAcknowledgements(reports: InstanceStatusReport[]): ReportAcknowledgement[] {
  const acks = new Map<string, ReportAcknowledgement>();
  for (const m of reports) {
    const kind = isFinalInstanceStatus(m.status) ? 'AckInstanceStatus' : 'AckInstanceRunning';
    acks.set(`${m.workerId}:${m.instanceId}:${m.runningTimes}:${kind}`, {
      workerId: m.workerId,
      command: { kind, instanceId: m.instanceId, runningTimes: m.runningTimes },
    });
  }
  return [...acks.values()];
}

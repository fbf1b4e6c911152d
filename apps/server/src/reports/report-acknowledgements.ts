import {
  isFinalInstanceStatus,
  type AckInstanceRunningCommand,
  type AckInstanceStatusCommand,
  type InstanceStatusReport,
} from '@jobnest/common';
import type { WorkerAddress } from '@jobnest/transport';

/** A report, with the app of the stream it came from (null: the legacy stream, written by older workers). */
export interface ReceivedReport {
  report: InstanceStatusReport;
  appId: number | null;
}

/** An acknowledgement for the queue of the worker that sent the report. */
export interface ReportAcknowledgement {
  worker: WorkerAddress;
  command: AckInstanceStatusCommand | AckInstanceRunningCommand;
}

/**
 * One acknowledgement per report (the worker re-sends a report until it gets one), a single one per run and kind in
 * a batch: a final report acknowledged with AckInstanceStatus, a RUNNING one with AckInstanceRunning.
 */
export function reportAcknowledgements(reports: ReceivedReport[]): ReportAcknowledgement[] {
  const acks = new Map<string, ReportAcknowledgement>();
  for (const { report: m, appId } of reports) {
    const kind = isFinalInstanceStatus(m.status) ? 'AckInstanceStatus' : 'AckInstanceRunning';
    acks.set(`${appId ?? ''}:${m.workerId}:${m.instanceId}:${m.runningTimes}:${kind}`, {
      worker: { workerId: m.workerId, appId },
      command: { kind, instanceId: m.instanceId, runningTimes: m.runningTimes },
    });
  }
  return [...acks.values()];
}

import type { Job } from 'bullmq';
import { TRIGGER_LEAD_MS } from './jobnest-repeat-strategy';

/** Shared queue of timer triggers: BullMQ job schedulers (CRON, FIXED_RATE, DAILY_TIME_INTERVAL) and delayed
 * FIXED_DELAY triggers. Every server's trigger worker takes from it; whichever takes a trigger fires the slot. */
export const TRIGGER_QUEUE = 'jobnest-trigger';

/** Data of a job's trigger. `slot` is set on FIXED_DELAY triggers; scheduler jobs carry theirs in `opts.prevMillis`. */
export interface JobTriggerData {
  jobId: number;
  slot?: number;
}

/** Data of a workflow's scheduler trigger (named SCHEDULED_WORKFLOW_TRIGGER). */
export interface WorkflowTriggerData {
  workflowId: number;
}

export type TriggerData = JobTriggerData | WorkflowTriggerData;

export function isWorkflowTrigger(data: TriggerData): data is WorkflowTriggerData {
  return (data as WorkflowTriggerData).workflowId !== undefined;
}

export function schedulerId(jobId: number): string {
  return `job-${jobId}`;
}

export function jobIdOfScheduler(id: string): number | undefined {
  const m = /^job-(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export function workflowSchedulerId(workflowId: number): string {
  return `workflow-${workflowId}`;
}

export function workflowIdOfScheduler(id: string): number | undefined {
  const m = /^workflow-(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** A scheduler job's id is `repeat:<schedulerId>:<due millis>`; its slot is TRIGGER_LEAD_MS later. */
export function schedulerSlot(job: Job<TriggerData>): number {
  const fromId = Number(job.id?.split(':').pop());
  const due = Number.isFinite(fromId) && fromId > 0 ? fromId : (job.opts.prevMillis ?? job.timestamp);
  return due + TRIGGER_LEAD_MS;
}

export const FIXED_DELAY_TRIGGER = 'fixed-delay';
export const SCHEDULED_TRIGGER = 'scheduled';
export const SCHEDULED_WORKFLOW_TRIGGER = 'scheduled-workflow';

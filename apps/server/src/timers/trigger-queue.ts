/** Shared queue of timer triggers: BullMQ job schedulers (CRON, FIXED_RATE, DAILY_TIME_INTERVAL) and delayed
 * FIXED_DELAY triggers. Every server's trigger worker takes from it; whichever takes a trigger fires the slot. */
export const TRIGGER_QUEUE = 'jobnest-trigger';

/** Data of a trigger job. `slot` is set on FIXED_DELAY triggers; scheduler jobs carry theirs in `opts.prevMillis`. */
export interface TriggerData {
  jobId: number;
  slot?: number;
}

export function schedulerId(jobId: number): string {
  return `job-${jobId}`;
}

export function jobIdOfScheduler(id: string): number | undefined {
  const m = /^job-(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

export const FIXED_DELAY_TRIGGER = 'fixed-delay';
export const SCHEDULED_TRIGGER = 'scheduled';

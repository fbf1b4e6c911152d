/** A delivery of an alarm to one channel (BullMQ job `deliver`, id `delivery-<id>`). */
export interface DeliverAlarmJob {
  deliveryId: number;
}

/** The end of a silence period (BullMQ job `summarize`): what it held back goes out in one alarm. */
export interface SummarizeHeldJob {
  ruleId: number;
  subject: string;
  /** The silence period (its start), which the summary reports on. */
  period: string;
}

export const DELIVER_JOB = 'deliver';
export const SUMMARIZE_JOB = 'summarize';

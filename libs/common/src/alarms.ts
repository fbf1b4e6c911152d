/** What raises an alarm. */
export enum AlarmEventType {
  /** An instance ended FAILED with no retry left (not for a time limit or a missing worker: see below). */
  INSTANCE_FAILED = 'INSTANCE_FAILED',
  /** An instance failed because it ran past its time limit. */
  INSTANCE_TIMED_OUT = 'INSTANCE_TIMED_OUT',
  /** An instance failed because no eligible worker turned up within the no-worker grace. */
  NO_WORKER = 'NO_WORKER',
  /** Timer slots of a job or workflow were misfired (too late) or skipped (a limit): counted, not run. */
  SLOTS_MISSED = 'SLOTS_MISSED',
  /** A workflow instance ended FAILED (a top-level one: a nested child's failure fails its parent). */
  WORKFLOW_FAILED = 'WORKFLOW_FAILED',
  /** A worker stopped heartbeating while it ran instances as their TaskTracker. */
  WORKER_LOST = 'WORKER_LOST',
  /** The app's last live worker went away: nothing of the app can run. */
  APP_NO_WORKER = 'APP_NO_WORKER',
  /** The first success of a job or workflow after failures that raised an alarm (rules with notifyRecovery). */
  RECOVERED = 'RECOVERED',
  /** A test alarm sent to one channel on request (POST /api/v1/alarm-channels/:id/test); no rule asks for it. */
  TEST = 'TEST',
}

export const ALARM_EVENT_TYPES: readonly AlarmEventType[] = Object.values(AlarmEventType);

/**
 * The events a rule may name, and takes when it names none; RECOVERED is asked for with notifyRecovery instead, and
 * TEST is sent on request only.
 */
export const DEFAULT_ALARM_EVENTS: readonly AlarmEventType[] = ALARM_EVENT_TYPES.filter(
  (t) => t !== AlarmEventType.RECOVERED && t !== AlarmEventType.TEST,
);

/** Where an alarm goes. */
export enum AlarmChannelType {
  /** A JSON POST signed with HMAC-SHA256 (X-Jobnest-Signature). */
  WEBHOOK = 'WEBHOOK',
  /** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat...). */
  SLACK = 'SLACK',
  DINGTALK = 'DINGTALK',
  /** Feishu / Lark custom bot. */
  FEISHU = 'FEISHU',
  /** WeCom (WeChat Work) group robot. */
  WECOM = 'WECOM',
  /** Email through the server's SMTP settings. */
  EMAIL = 'EMAIL',
}

export const ALARM_CHANNEL_TYPES: readonly AlarmChannelType[] = Object.values(AlarmChannelType);

/** What an alarm rule is set on. */
export enum AlarmRuleScope {
  /** The app's default: its jobs and workflows without a rule of their own, and the app-wide events. */
  APP = 'APP',
  JOB = 'JOB',
  WORKFLOW = 'WORKFLOW',
}

/** Where one delivery of an alarm to one channel stands, in the delivery history. */
export enum AlarmDeliveryStatus {
  /** Queued, not tried yet. */
  QUEUED = 'QUEUED',
  /** Tried and refused or unreachable; tried again after a backoff. */
  RETRYING = 'RETRYING',
  SENT = 'SENT',
  /** Every attempt failed: given up. */
  FAILED = 'FAILED',
  /** Held back by the rule's silence period; counted in the next alarm. */
  SUPPRESSED = 'SUPPRESSED',
}

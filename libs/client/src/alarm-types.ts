/**
 * Wire types of the alarm routes (`/api/v1/alarm-channels`, `/api/v1/alarm-rules`, `/api/v1/alarm-deliveries`), as
 * plain unions like the rest of types.ts; the values match the server's enums one to one.
 */
import type { PageQuery } from './types';

/**
 * What raises an alarm. RECOVERED: the first success after failures that alarmed (rules with notifyRecovery); TEST:
 * a test alarm sent on request (testAlarmChannel).
 */
export type AlarmEventType =
  | 'INSTANCE_FAILED'
  | 'INSTANCE_TIMED_OUT'
  | 'NO_WORKER'
  | 'SLOTS_MISSED'
  | 'WORKFLOW_FAILED'
  | 'WORKER_LOST'
  | 'APP_NO_WORKER'
  | 'RECOVERED'
  | 'TEST';

/** Where an alarm goes. WEBHOOK: a JSON POST signed with HMAC-SHA256; EMAIL: through the server's SMTP relay. */
export type AlarmChannelType = 'WEBHOOK' | 'SLACK' | 'DINGTALK' | 'FEISHU' | 'WECOM' | 'EMAIL';

/** What a rule is set on: APP is the app's default, JOB or WORKFLOW that one job or workflow. */
export type AlarmRuleScope = 'APP' | 'JOB' | 'WORKFLOW';

/** Where one delivery of an alarm to one channel stands. SUPPRESSED: held back by the rule's silence period. */
export type AlarmDeliveryStatus = 'QUEUED' | 'RETRYING' | 'SENT' | 'FAILED' | 'SUPPRESSED';

/**
 * Body of `POST /api/v1/alarm-channels` and `PUT /api/v1/alarm-channels/:id`. `url` and `secret` are write-only: no
 * answer shows them, and a replace that leaves them out keeps the stored ones (when the type stays the same).
 */
export interface AlarmChannelInput {
  /** 1-100 characters, unique in the app. */
  name: string;
  type: AlarmChannelType;
  /** The webhook or robot URL (not for EMAIL). */
  url?: string;
  /**
   * Signing secret: required for WEBHOOK (at least 16 characters), optional for DINGTALK and FEISHU, not for the
   * others. An empty string removes it.
   */
  secret?: string;
  /** EMAIL: the addresses (at least one). Robots: user ids or phone numbers to @mention. At most 50. */
  recipients?: string[];
}

/** A channel as the server shows it: never its URL's path or query, nor its secret. */
export interface AlarmChannel {
  id: number;
  name: string;
  type: AlarmChannelType;
  /** The URL's scheme and host only (the rest may carry a token); null for EMAIL. */
  urlOrigin: string | null;
  /** Whether a signing secret is stored. */
  secretSet: boolean;
  recipients: string[];
  /** Epoch ms. */
  createdTime: number;
  /** Epoch ms. */
  updatedTime: number;
}

/**
 * The settings of a rule: body of `PUT /api/v1/alarm-rules/:id`, which replaces them all (omitted fields take the
 * defaults).
 */
export interface AlarmRuleSettings {
  /** Events that alarm; not RECOVERED, which `notifyRecovery` asks for (Default: every other event). */
  events?: AlarmEventType[];
  /** Channels of the app the alarms go to (1-20). */
  channelIds: number[];
  /** Email addresses or robot mentions added to the channels' own (Default: none). */
  recipients?: string[];
  /** Events within the window that raise an alarm, 1-10000 (Default: 1). */
  thresholdCount?: number;
  /** 1000 ms to one day (Default: 60000). */
  thresholdWindowMs?: number;
  /** After an alarm, events of the same job, workflow or app are counted, not sent, this long; 0: none, at most 7 days (Default: 300000). */
  silenceMs?: number;
  /** Also alarm on the first success after failures that alarmed (Default: false). */
  notifyRecovery?: boolean;
  /** JOB rules: also alarm when the job fails as a workflow node (Default: false). */
  includeWorkflowNodes?: boolean;
  /** (Default: true) */
  enabled?: boolean;
}

/** Body of `POST /api/v1/alarm-rules`: what the rule is set on, and its settings. */
export interface AlarmRuleInput extends AlarmRuleSettings {
  scope: AlarmRuleScope;
  /** The job or workflow id (JOB and WORKFLOW scopes only). */
  targetId?: number;
}

/** A rule as the server stores it: every setting filled in. */
export interface AlarmRule {
  id: number;
  scope: AlarmRuleScope;
  /** The job or workflow id; null for an APP rule. */
  targetId: number | null;
  events: AlarmEventType[];
  channelIds: number[];
  recipients: string[];
  thresholdCount: number;
  thresholdWindowMs: number;
  silenceMs: number;
  notifyRecovery: boolean;
  includeWorkflowNodes: boolean;
  enabled: boolean;
  /** Epoch ms. */
  createdTime: number;
  /** Epoch ms. */
  updatedTime: number;
}

/** What an alarm is about, as stored with each delivery. */
export interface AlarmEvent {
  type: AlarmEventType;
  /** Names the occurrence (e.g. `instance:42:run:2`): a rule alarms on it once. */
  key: string;
  appId: number;
  appName: string;
  /** What the threshold and silence are counted per: `job:<id>`, `workflow:<id>`, `workers:<appId>` or `app:<appId>`. */
  subject: string;
  /** Epoch ms. */
  occurredAt: number;
  /** Why, in one line. */
  reason: string;
  jobId?: number;
  jobName?: string;
  instanceId?: number;
  /** The run (1 = the first) that failed. */
  run?: number;
  /** The instance's TaskTracker worker, or the worker that was lost. */
  workerId?: string | null;
  workflowId?: number;
  workflowName?: string;
  workflowInstanceId?: number;
  /** The node whose failure failed the workflow instance. */
  failedNodeId?: string;
  /** WORKER_LOST: the instances the worker ran (at most 20 listed). */
  instanceIds?: number[];
  /** SLOTS_MISSED: how many slots, how, and the latest of them. */
  slots?: { kind: 'misfired' | 'skipped'; count: number; latestSlot: number };
}

/** One row of the delivery history: one alarm to one channel. */
export interface AlarmDelivery {
  id: number;
  ruleId: number;
  /** null for SUPPRESSED, or FAILED for want of a channel. */
  channelId: number | null;
  eventType: AlarmEventType;
  /** Names the occurrence: one alarm per rule, channel and key. */
  eventKey: string;
  status: AlarmDeliveryStatus;
  attempts: number;
  /** Events the silence period held back before this alarm. */
  suppressedCount: number;
  title: string;
  /** The receiver's last answer, or why it could not be reached. */
  answer: string | null;
  event: AlarmEvent;
  /** Epoch ms. */
  createdTime: number;
  /** Epoch ms. */
  updatedTime: number;
}

/** Filter of {@link JobnestClient.listAlarmDeliveries}; omitted fields do not narrow. */
export interface AlarmDeliveryFilter extends PageQuery {
  /** Only deliveries in this status (Default: any). */
  status?: AlarmDeliveryStatus;
  /** Only alarms of this event (Default: any). */
  eventType?: AlarmEventType;
  /** Only alarms of this rule (Default: any). */
  ruleId?: number;
}

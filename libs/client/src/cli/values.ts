import { INSTANCE_STATUSES } from '../instance-status';
import type { InstanceStatus } from '../types';
import type { WorkflowInstanceStatus } from '../workflow-types';
import type { AlarmChannelType, AlarmDeliveryStatus, AlarmEventType, AlarmRuleScope } from '../alarm-types';
import { UsageError } from './usage-error';

/** Every workflow instance status, in lifecycle order. */
const WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = [
  'WAITING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
];

/** Every alarm event type; a rule's events are all but RECOVERED, which --recovery asks for, and TEST. */
const ALARM_EVENT_TYPES: readonly AlarmEventType[] = [
  'INSTANCE_FAILED',
  'INSTANCE_TIMED_OUT',
  'NO_WORKER',
  'SLOTS_MISSED',
  'WORKFLOW_FAILED',
  'WORKER_LOST',
  'APP_NO_WORKER',
  'RECOVERED',
  'TEST',
];
const ALARM_RULE_EVENTS = ALARM_EVENT_TYPES.filter((t) => t !== 'RECOVERED' && t !== 'TEST');
/** Every alarm channel type, as `alarm-channel add --type` lists them. */
export const ALARM_CHANNEL_TYPES: readonly AlarmChannelType[] = [
  'SLACK',
  'DINGTALK',
  'FEISHU',
  'WECOM',
  'WEBHOOK',
  'EMAIL',
];
/** Every alarm rule scope. */
export const ALARM_RULE_SCOPES: readonly AlarmRuleScope[] = ['APP', 'JOB', 'WORKFLOW'];
const ALARM_DELIVERY_STATUSES: readonly AlarmDeliveryStatus[] = ['QUEUED', 'RETRYING', 'SENT', 'FAILED', 'SUPPRESSED'];

/** A positive integer id from an argument, e.g. `parseId('jobId', '12')`. */
export function parseId(label: string, raw: string): number {
  const id = toInteger(raw);
  if (id === undefined || id < 1) throw new UsageError(`<${label}> must be a positive integer, got '${raw}'`);
  return id;
}

/** An integer option value not below `min`, or `undefined` when the option was not given. */
export function parseIntegerFlag(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = toInteger(raw);
  if (value === undefined || value < min) {
    throw new UsageError(`${flag} must be an integer of at least ${min}, got '${raw}'`);
  }
  return value;
}

/** An instance status option value, or `undefined` when the option was not given. */
export function parseStatusFlag(flag: string, raw: string | undefined): InstanceStatus | undefined {
  return parseOneOf(flag, raw, INSTANCE_STATUSES);
}

/** A workflow instance status option value, or `undefined` when the option was not given. */
export function parseWorkflowStatusFlag(flag: string, raw: string | undefined): WorkflowInstanceStatus | undefined {
  return parseOneOf(flag, raw, WORKFLOW_INSTANCE_STATUSES);
}

/** An alarm channel type option value, or `undefined` when the option was not given. */
export function parseAlarmChannelTypeFlag(flag: string, raw: string | undefined): AlarmChannelType | undefined {
  return parseOneOf(flag, raw, ALARM_CHANNEL_TYPES);
}

/** An alarm rule scope option value, or `undefined` when the option was not given. */
export function parseAlarmRuleScopeFlag(flag: string, raw: string | undefined): AlarmRuleScope | undefined {
  return parseOneOf(flag, raw, ALARM_RULE_SCOPES);
}

/** An alarm event type option value, or `undefined` when the option was not given. */
export function parseAlarmEventTypeFlag(flag: string, raw: string | undefined): AlarmEventType | undefined {
  return parseOneOf(flag, raw, ALARM_EVENT_TYPES);
}

/** An alarm delivery status option value, or `undefined` when the option was not given. */
export function parseAlarmDeliveryStatusFlag(flag: string, raw: string | undefined): AlarmDeliveryStatus | undefined {
  return parseOneOf(flag, raw, ALARM_DELIVERY_STATUSES);
}

/** A rule's events from a comma list (RECOVERED is --recovery), or `undefined` when the option was not given. */
export function parseAlarmRuleEventsFlag(flag: string, raw: string | undefined): AlarmEventType[] | undefined {
  if (raw === undefined) return undefined;
  const names = splitList([raw]);
  if (names.length === 0) throw new UsageError(`${flag} needs at least one of ${ALARM_RULE_EVENTS.join(', ')}`);
  return names.map((name) => {
    if (name.toUpperCase() === 'RECOVERED') throw new UsageError(`${flag}: RECOVERED is asked for with --recovery`);
    return oneOf(flag, name, ALARM_RULE_EVENTS);
  });
}

/** The ids of a repeatable option, each occurrence an id or a comma list of them (none given: an empty list). */
export function parseIdListFlag(flag: string, raw: readonly string[] | undefined): number[] {
  return splitList(raw ?? []).map((id) => parseId(flag, id));
}

/** The values of a repeatable option, each occurrence one value or a comma list; blanks dropped. */
export function splitList(raw: readonly string[]): string[] {
  return raw
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

/** One of `allowed` (case-insensitive), or `undefined` when the option was not given. */
function parseOneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  return raw === undefined ? undefined : oneOf(flag, raw, allowed);
}

/** One of `allowed` (case-insensitive). */
function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  const value = allowed.find((s) => s === raw.toUpperCase());
  if (!value) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return value;
}

function toInteger(raw: string): number | undefined {
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

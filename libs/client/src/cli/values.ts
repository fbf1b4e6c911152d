import { INSTANCE_STATUSES } from '../instance-status';
import type { InstanceStatus } from '../types';
import type { WorkflowInstanceStatus } from '../workflow-types';
import { UsageError } from './usage-error';

/** Every workflow instance status, in lifecycle order. */
const WORKFLOW_INSTANCE_STATUSES: readonly WorkflowInstanceStatus[] = [
  'WAITING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
];

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

/** One of `allowed` (case-insensitive), or `undefined` when the option was not given. */
function parseOneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  const value = allowed.find((s) => s === raw.toUpperCase());
  if (!value) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return value;
}

function toInteger(raw: string): number | undefined {
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

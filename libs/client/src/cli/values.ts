import { INSTANCE_STATUSES } from '../instance-status';
import type { InstanceStatus } from '../types';
import { UsageError } from './usage-error';

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
  if (raw === undefined) return undefined;
  const status = INSTANCE_STATUSES.find((s) => s === raw.toUpperCase());
  if (!status) throw new UsageError(`${flag} must be one of ${INSTANCE_STATUSES.join(', ')}, got '${raw}'`);
  return status;
}

function toInteger(raw: string): number | undefined {
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

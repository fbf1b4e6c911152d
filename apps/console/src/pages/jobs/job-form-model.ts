import type { ScheduleValues } from '../../components/ScheduleFields';
import { fromDateTimeLocal, toDateTimeLocal } from '../../lib/format';
import type { DispatchStrategy, ExecuteType, Job, JobInput, OverlapPolicy } from '../../api/types';

/** The job form's state: text as typed, converted to a JobInput on save. */
export interface JobFormValues extends ScheduleValues {
  name: string;
  description: string;
  processor: string;
  executeType: ExecuteType;
  jobParams: string;
  maxInstances: string;
  concurrency: string;
  instanceTimeLimitMs: string;
  instanceRetries: string;
  taskRetries: string;
  dispatchStrategy: DispatchStrategy;
  /** Comma or newline separated. */
  designatedWorkers: string;
  maxWorkerCount: string;
  minCpuCores: string;
  minMemoryMb: string;
  enabled: boolean;
  /** Empty: no path. */
  concurrencyKeyPath: string;
  concurrencyLimit: string;
  rateLimit: string;
  ratePeriodMs: string;
  priority: string;
  overlapPolicy: OverlapPolicy;
  overlapBufferLimit: string;
}

export type JobFormField = keyof JobFormValues;

export const JOB_FORM_FIELDS: readonly JobFormField[] = [
  'name',
  'description',
  'processor',
  'executeType',
  'timeExpressionType',
  'timeExpression',
  'timeZone',
  'lifecycleStart',
  'lifecycleEnd',
  'jobParams',
  'maxInstances',
  'concurrency',
  'instanceTimeLimitMs',
  'instanceRetries',
  'taskRetries',
  'dispatchStrategy',
  'designatedWorkers',
  'maxWorkerCount',
  'minCpuCores',
  'minMemoryMb',
  'enabled',
  'concurrencyKeyPath',
  'concurrencyLimit',
  'rateLimit',
  'ratePeriodMs',
  'priority',
  'overlapPolicy',
  'overlapBufferLimit',
];

/** Message paths of the API that are not form fields as such. */
export const JOB_FIELD_ALIASES: Record<string, JobFormField> = {
  lifecycle: 'lifecycleStart',
  'lifecycle.start': 'lifecycleStart',
  'lifecycle.end': 'lifecycleEnd',
};

/** The server defaults (JOB_DEFAULTS). */
export const EMPTY_JOB_FORM: JobFormValues = {
  name: '',
  description: '',
  processor: '',
  executeType: 'STANDALONE',
  timeExpressionType: 'CRON',
  timeExpression: '',
  timeZone: 'UTC',
  lifecycleStart: '',
  lifecycleEnd: '',
  jobParams: '',
  maxInstances: '0',
  concurrency: '5',
  instanceTimeLimitMs: '0',
  instanceRetries: '0',
  taskRetries: '0',
  dispatchStrategy: 'HEALTH_FIRST',
  designatedWorkers: '',
  maxWorkerCount: '0',
  minCpuCores: '0',
  minMemoryMb: '0',
  enabled: true,
  concurrencyKeyPath: '',
  concurrencyLimit: '0',
  rateLimit: '0',
  ratePeriodMs: '1000',
  priority: '0',
  overlapPolicy: 'SKIP',
  overlapBufferLimit: '100',
};

export function jobToForm(job: Job, asCopy = false): JobFormValues {
  return {
    name: asCopy ? `${job.name}-copy` : job.name,
    description: job.description,
    processor: job.processor,
    executeType: job.executeType,
    timeExpressionType: job.timeExpressionType,
    timeExpression: job.timeExpression ?? '',
    timeZone: job.timeZone,
    lifecycleStart: toDateTimeLocal(job.lifecycle.start),
    lifecycleEnd: toDateTimeLocal(job.lifecycle.end),
    jobParams: job.jobParams ?? '',
    maxInstances: String(job.maxInstances),
    concurrency: String(job.concurrency),
    instanceTimeLimitMs: String(job.instanceTimeLimitMs),
    instanceRetries: String(job.instanceRetries),
    taskRetries: String(job.taskRetries),
    dispatchStrategy: job.dispatchStrategy,
    designatedWorkers: job.designatedWorkers.join(', '),
    maxWorkerCount: String(job.maxWorkerCount),
    minCpuCores: String(job.minCpuCores),
    minMemoryMb: String(job.minMemoryMb),
    enabled: job.enabled,
    concurrencyKeyPath: job.concurrencyKeyPath ?? '',
    concurrencyLimit: String(job.concurrencyLimit),
    rateLimit: String(job.rateLimit),
    ratePeriodMs: String(job.ratePeriodMs),
    priority: String(job.priority),
    overlapPolicy: job.overlapPolicy,
    overlapBufferLimit: String(job.overlapBufferLimit),
  };
}

type NumberField = 'maxInstances' | 'concurrency' | 'instanceTimeLimitMs' | 'instanceRetries' | 'taskRetries';
type DispatchNumberField = 'maxWorkerCount' | 'minCpuCores' | 'minMemoryMb';
type FlowNumberField = 'concurrencyLimit' | 'rateLimit' | 'ratePeriodMs' | 'overlapBufferLimit';
const WHOLE_NUMBER_FIELDS: readonly (NumberField | DispatchNumberField | FlowNumberField)[] = [
  'maxInstances',
  'concurrency',
  'instanceTimeLimitMs',
  'instanceRetries',
  'taskRetries',
  'maxWorkerCount',
  'minMemoryMb',
  'concurrencyLimit',
  'rateLimit',
  'ratePeriodMs',
  'overlapBufferLimit',
];

export type FieldErrors = Partial<Record<JobFormField, string[]>>;

/** Converts the form to the API body, or returns the fields that cannot be converted (checked before asking). */
export function formToInput(v: JobFormValues): { input: JobInput } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const whole = (field: NumberField | DispatchNumberField | FlowNumberField): number => {
    const n = Number(v[field]);
    if (v[field].trim() === '' || !Number.isInteger(n) || n < 0)
      errors[field] = [`${field} must be a whole number >= 0`];
    return n;
  };
  const numbers = Object.fromEntries(WHOLE_NUMBER_FIELDS.map((f) => [f, whole(f)])) as Record<
    NumberField | DispatchNumberField | FlowNumberField,
    number
  >;
  const priority = Number(v.priority);
  if (v.priority.trim() === '' || !Number.isInteger(priority)) errors.priority = ['priority must be a whole number'];
  const minCpuCores = Number(v.minCpuCores);
  if (v.minCpuCores.trim() === '' || !Number.isFinite(minCpuCores) || minCpuCores < 0) {
    errors.minCpuCores = ['minCpuCores must be a number >= 0'];
  }
  const start = fromDateTimeLocal(v.lifecycleStart);
  const end = fromDateTimeLocal(v.lifecycleEnd);
  if (Object.keys(errors).length > 0) return { errors };

  const untimed = v.timeExpressionType === 'API' || v.timeExpressionType === 'WORKFLOW';
  return {
    input: {
      name: v.name.trim(),
      description: v.description,
      processor: v.processor.trim(),
      executeType: v.executeType,
      timeExpressionType: v.timeExpressionType,
      timeExpression: untimed || v.timeExpression.trim() === '' ? null : v.timeExpression.trim(),
      timeZone: v.timeZone.trim() || 'UTC',
      jobParams: v.jobParams === '' ? null : v.jobParams,
      ...numbers,
      minCpuCores,
      dispatchStrategy: v.dispatchStrategy,
      designatedWorkers: v.designatedWorkers
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      lifecycle: { start, end },
      enabled: v.enabled,
      concurrencyKeyPath: v.concurrencyKeyPath.trim() === '' ? null : v.concurrencyKeyPath.trim(),
      priority,
      overlapPolicy: v.overlapPolicy,
    },
  };
}

import type { ScheduleValues } from '../../components/ScheduleFields';
import { fromDateTimeLocal, toDateTimeLocal } from '../../lib/format';
import type { Workflow, WorkflowDag, WorkflowInput, WorkflowOverlapPolicy } from '../../api/workflow-types';

export interface WorkflowFormValues extends ScheduleValues {
  name: string;
  description: string;
  enabled: boolean;
  maxInstances: string;
  overlapPolicy: WorkflowOverlapPolicy;
  overlapBufferLimit: string;
  continueOnFailure: boolean;
}

export type WorkflowFormField = keyof WorkflowFormValues;

export const WORKFLOW_FORM_FIELDS: readonly WorkflowFormField[] = [
  'name',
  'description',
  'enabled',
  'maxInstances',
  'overlapPolicy',
  'overlapBufferLimit',
  'continueOnFailure',
  'timeExpressionType',
  'timeExpression',
  'timeZone',
  'lifecycleStart',
  'lifecycleEnd',
];

export const WORKFLOW_FIELD_ALIASES: Record<string, WorkflowFormField> = {
  lifecycle: 'lifecycleStart',
  'lifecycle.start': 'lifecycleStart',
  'lifecycle.end': 'lifecycleEnd',
};

export const EMPTY_WORKFLOW_FORM: WorkflowFormValues = {
  name: '',
  description: '',
  enabled: true,
  maxInstances: '0',
  overlapPolicy: 'SKIP',
  overlapBufferLimit: '100',
  continueOnFailure: false,
  timeExpressionType: 'API',
  timeExpression: '',
  timeZone: 'UTC',
  lifecycleStart: '',
  lifecycleEnd: '',
};

export function workflowToForm(w: Workflow): WorkflowFormValues {
  return {
    name: w.name,
    description: w.description,
    enabled: w.enabled,
    maxInstances: String(w.maxInstances),
    overlapPolicy: w.overlapPolicy,
    overlapBufferLimit: String(w.overlapBufferLimit),
    continueOnFailure: w.continueOnFailure,
    timeExpressionType: w.timeExpressionType,
    timeExpression: w.timeExpression ?? '',
    timeZone: w.timeZone,
    lifecycleStart: toDateTimeLocal(w.lifecycle.start),
    lifecycleEnd: toDateTimeLocal(w.lifecycle.end),
  };
}

export function formToWorkflowInput(
  v: WorkflowFormValues,
  dag: WorkflowDag,
): { input: WorkflowInput } | { errors: Partial<Record<WorkflowFormField, string[]>> } {
  const maxInstances = Number(v.maxInstances);
  if (v.maxInstances.trim() === '' || !Number.isInteger(maxInstances) || maxInstances < 0) {
    return { errors: { maxInstances: ['maxInstances must be a whole number >= 0'] } };
  }
  const overlapBufferLimit = Number(v.overlapBufferLimit);
  if (!Number.isInteger(overlapBufferLimit) || overlapBufferLimit < 1) {
    return { errors: { overlapBufferLimit: ['overlapBufferLimit must be a whole number >= 1'] } };
  }
  return {
    input: {
      name: v.name.trim(),
      description: v.description,
      dag,
      timeExpressionType: v.timeExpressionType,
      timeExpression: v.timeExpressionType === 'API' || v.timeExpression.trim() === '' ? null : v.timeExpression.trim(),
      timeZone: v.timeZone.trim() || 'UTC',
      lifecycle: { start: fromDateTimeLocal(v.lifecycleStart), end: fromDateTimeLocal(v.lifecycleEnd) },
      enabled: v.enabled,
      maxInstances,
      overlapPolicy: v.overlapPolicy,
      overlapBufferLimit,
      continueOnFailure: v.continueOnFailure,
    },
  };
}

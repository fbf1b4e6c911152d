import { useMemo, useState, type FormEvent } from 'react';
import { DISPATCH_STRATEGIES, EXECUTE_TYPES, TIME_EXPRESSION_TYPES, type JobInput } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, Field } from '../../components/Field';
import { OverlapPolicyField } from '../../components/OverlapPolicyField';
import { ScheduleFields } from '../../components/ScheduleFields';
import { splitFieldErrors } from '../../lib/field-errors';
import {
  formToInput,
  JOB_FIELD_ALIASES,
  JOB_FORM_FIELDS,
  type FieldErrors,
  type JobFormValues,
} from './job-form-model';

interface JobFormProps {
  app: string;
  initial: JobFormValues;
  onSubmit: (input: JobInput) => void;
  onCancel: () => void;
  pending: boolean;
  /** The error of the last save: messages naming a field go next to it, the rest on top. */
  error: unknown;
}

/** Every field of the job DTO, with the next fire times previewed while typing. */
export function JobForm({ app, initial, onSubmit, onCancel, pending, error }: JobFormProps) {
  const [values, setValues] = useState(initial);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const server = useMemo(
    () => (error ? splitFieldErrors(error, JOB_FORM_FIELDS, JOB_FIELD_ALIASES) : { fields: {}, general: [] }),
    [error],
  );
  const errors: FieldErrors = { ...server.fields, ...clientErrors };
  const set = (changes: Partial<JobFormValues>) => setValues((v) => ({ ...v, ...changes }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = formToInput(values);
    if ('errors' in result) {
      setClientErrors(result.errors);
      return;
    }
    setClientErrors({});
    onSubmit(result.input);
  };

  const text = (field: keyof JobFormValues & string, label: string, id: string, hint?: string) => (
    <Field id={`job-${id}`} label={label} errors={errors[field]} hint={hint}>
      {(p) => <input {...p} value={String(values[field])} onChange={(e) => set({ [field]: e.target.value })} />}
    </Field>
  );
  const number = (field: keyof JobFormValues & string, label: string, id: string, hint?: string) => (
    <Field id={`job-${id}`} label={label} errors={errors[field]} hint={hint}>
      {(p) => (
        <input
          {...p}
          type="number"
          min={field === 'priority' ? undefined : 0}
          step={field === 'minCpuCores' ? 'any' : 1}
          value={String(values[field])}
          onChange={(e) => set({ [field]: e.target.value })}
        />
      )}
    </Field>
  );

  return (
    <form className="form" onSubmit={submit} noValidate>
      {server.general.length > 0 && <ErrorMessage error={server.general} title="The job was not saved" />}
      <fieldset>
        <legend>Job</legend>
        {text('name', 'Name', 'name')}
        <Field id="job-description" label="Description" errors={errors.description}>
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={values.description}
              onChange={(e) => set({ description: e.target.value })}
            />
          )}
        </Field>
        {text('processor', 'Processor', 'processor', 'Name a worker registered with @JobProcessor')}
        <Field id="job-execute-type" label="Execute type" errors={errors.executeType}>
          {(p) => (
            <select
              {...p}
              value={values.executeType}
              onChange={(e) => set({ executeType: e.target.value as JobFormValues['executeType'] })}
            >
              {EXECUTE_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        <CheckboxField
          id="job-enabled"
          label="Enabled"
          checked={values.enabled}
          onChange={(enabled) => set({ enabled })}
          errors={errors.enabled}
        />
      </fieldset>

      <ScheduleFields
        idPrefix="job"
        app={app}
        types={TIME_EXPRESSION_TYPES}
        values={values}
        onChange={set}
        errors={errors}
      />

      <fieldset>
        <legend>Parameters</legend>
        <Field id="job-params" label="Job params" errors={errors.jobParams} hint="Passed to every run as ctx.jobParams">
          {(p) => (
            <textarea
              {...p}
              className="mono"
              rows={4}
              value={values.jobParams}
              onChange={(e) => set({ jobParams: e.target.value })}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Limits and retries</legend>
        <div className="field-grid">
          {number('maxInstances', 'Max instances', 'max-instances', 'Unfinished instances at once; 0 = no limit')}
          {number(
            'concurrency',
            'Concurrency',
            'concurrency',
            'Subtasks at once per worker (Map, MapReduce, Broadcast)',
          )}
          {number('instanceTimeLimitMs', 'Instance time limit (ms)', 'time-limit', '0 = no limit; at most 30 days')}
          {number('instanceRetries', 'Instance retries', 'instance-retries', '0 .. 100')}
          {number('taskRetries', 'Task retries', 'task-retries', '0 .. 100')}
        </div>
      </fieldset>

      <fieldset>
        <legend>Dispatch</legend>
        <div className="field-grid">
          <Field id="job-dispatch-strategy" label="Dispatch strategy" errors={errors.dispatchStrategy}>
            {(p) => (
              <select
                {...p}
                value={values.dispatchStrategy}
                onChange={(e) => set({ dispatchStrategy: e.target.value as JobFormValues['dispatchStrategy'] })}
              >
                {DISPATCH_STRATEGIES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
          {text(
            'designatedWorkers',
            'Designated workers',
            'designated-workers',
            'Worker ids or tags, comma separated (SPECIFY)',
          )}
          {number('maxWorkerCount', 'Max worker count', 'max-worker-count', '0 = no limit')}
          {number('minCpuCores', 'Min CPU cores', 'min-cpu-cores')}
          {number('minMemoryMb', 'Min memory (MB)', 'min-memory', 'Free memory a worker needs')}
        </div>
      </fieldset>

      <fieldset>
        <legend>Flow control</legend>
        <div className="field-grid">
          {text(
            'concurrencyKeyPath',
            'Concurrency key path',
            'concurrency-key-path',
            "Field of the instance params holding the key, e.g. customer.id; empty: one key ('') for all",
          )}
          {number(
            'concurrencyLimit',
            'Concurrency limit',
            'concurrency-limit',
            'Running at once per key; 0 = no limit',
          )}
          {number('rateLimit', 'Rate limit', 'rate-limit', 'Starts per period per key; 0 = no limit')}
          {number('ratePeriodMs', 'Rate period (ms)', 'rate-period', '100 .. 86400000')}
          {number('priority', 'Priority', 'priority', 'Of runs that give none; higher starts first')}
          <OverlapPolicyField
            id="job-overlap-policy"
            value={values.overlapPolicy}
            onChange={(overlapPolicy) => set({ overlapPolicy })}
            errors={errors.overlapPolicy}
          />
          {number(
            'overlapBufferLimit',
            'Overlap buffer limit',
            'overlap-buffer-limit',
            'Slots BUFFER_ALL keeps waiting',
          )}
        </div>
      </fieldset>

      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

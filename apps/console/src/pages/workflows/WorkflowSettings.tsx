import { WORKFLOW_TIME_TYPES } from '../../api/workflow-types';
import { CheckboxField, Field } from '../../components/Field';
import { OverlapPolicyField } from '../../components/OverlapPolicyField';
import { ScheduleFields } from '../../components/ScheduleFields';
import type { WorkflowFormField, WorkflowFormValues } from './workflow-form-model';

interface WorkflowSettingsProps {
  app: string;
  values: WorkflowFormValues;
  onChange: (changes: Partial<WorkflowFormValues>) => void;
  errors: Partial<Record<WorkflowFormField, string[]>>;
  readOnly: boolean;
}

/** Every workflow field but the DAG. */
export function WorkflowSettings({ app, values, onChange, errors, readOnly }: WorkflowSettingsProps) {
  return (
    <div className="workflow-settings">
      <fieldset disabled={readOnly}>
        <legend>Workflow</legend>
        <Field id="wf-name" label="Name" errors={errors.name}>
          {(p) => <input {...p} value={values.name} onChange={(e) => onChange({ name: e.target.value })} />}
        </Field>
        <Field id="wf-description" label="Description" errors={errors.description}>
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={values.description}
              onChange={(e) => onChange({ description: e.target.value })}
            />
          )}
        </Field>
        <CheckboxField
          id="wf-enabled"
          label="Enabled"
          checked={values.enabled}
          onChange={(enabled) => onChange({ enabled })}
          errors={errors.enabled}
          disabled={readOnly}
        />
        <Field
          id="wf-max-instances"
          label="Max instances"
          errors={errors.maxInstances}
          hint="Unfinished instances at once; 0 = no limit"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              value={values.maxInstances}
              onChange={(e) => onChange({ maxInstances: e.target.value })}
            />
          )}
        </Field>
        <OverlapPolicyField
          id="wf-overlap-policy"
          value={values.overlapPolicy}
          onChange={(overlapPolicy) => onChange({ overlapPolicy })}
          errors={errors.overlapPolicy}
        />
        <Field
          id="wf-overlap-buffer-limit"
          label="Overlap buffer limit"
          errors={errors.overlapBufferLimit}
          hint="Slots BUFFER_ALL keeps waiting"
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={1}
              value={values.overlapBufferLimit}
              onChange={(e) => onChange({ overlapBufferLimit: e.target.value })}
            />
          )}
        </Field>
        <CheckboxField
          id="wf-continue-on-failure"
          label="Continue on failure"
          hint="A failed node lets independent branches finish (the workflow still ends FAILED)"
          checked={values.continueOnFailure}
          onChange={(continueOnFailure) => onChange({ continueOnFailure })}
          errors={errors.continueOnFailure}
          disabled={readOnly}
        />
      </fieldset>
      <ScheduleFields
        idPrefix="wf"
        app={app}
        types={WORKFLOW_TIME_TYPES}
        values={values}
        onChange={onChange}
        errors={errors}
        disabled={readOnly}
      />
    </div>
  );
}

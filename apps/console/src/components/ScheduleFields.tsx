import type { TimeExpressionType } from '../api/types';
import { Field } from './Field';
import { TimePreview } from './TimePreview';

export interface ScheduleValues {
  timeExpressionType: TimeExpressionType;
  timeExpression: string;
  timeZone: string;
  /** datetime-local values (viewer's zone). */
  lifecycleStart: string;
  lifecycleEnd: string;
}

export type ScheduleField = keyof ScheduleValues;

interface ScheduleFieldsProps {
  idPrefix: string;
  app: string;
  types: readonly TimeExpressionType[];
  values: ScheduleValues;
  onChange: (changes: Partial<ScheduleValues>) => void;
  errors: Partial<Record<ScheduleField, string[]>>;
  disabled?: boolean;
}

const EXPRESSION_HINT: Record<TimeExpressionType, string> = {
  API: 'Not used: it runs when triggered through the API.',
  WORKFLOW: 'Not used: the job runs as a workflow node.',
  CRON: '5 fields (minutes) or 6 fields (seconds first), e.g. 0 */5 * * * *',
  FIXED_RATE: 'Period in milliseconds (100 .. 365 days), e.g. 60000',
  FIXED_DELAY: 'Delay after each run ends, in milliseconds, e.g. 60000',
  DAILY_TIME_INTERVAL:
    'JSON, e.g. {"interval":15,"unit":"MINUTES","startTime":"09:00","endTime":"17:00","daysOfWeek":[1,2,3,4,5]}',
};

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones;
}

/** Time type, time expression (with the next fire times), time zone and lifecycle of a job or workflow. */
export function ScheduleFields({ idPrefix, app, types, values, onChange, errors, disabled }: ScheduleFieldsProps) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const untimed = values.timeExpressionType === 'API' || values.timeExpressionType === 'WORKFLOW';
  return (
    <fieldset disabled={disabled}>
      <legend>Schedule</legend>
      <Field id={id('time-type')} label="Time type" errors={errors.timeExpressionType}>
        {(p) => (
          <select
            {...p}
            value={values.timeExpressionType}
            onChange={(e) => onChange({ timeExpressionType: e.target.value as TimeExpressionType })}
          >
            {types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id={id('time-expression')}
        label="Time expression"
        errors={errors.timeExpression}
        hint={
          <>
            <span>{EXPRESSION_HINT[values.timeExpressionType]}</span>
            <TimePreview
              app={app}
              type={values.timeExpressionType}
              expression={values.timeExpression}
              timeZone={values.timeZone}
            />
          </>
        }
      >
        {(p) => (
          <input
            {...p}
            className="mono"
            value={values.timeExpression}
            disabled={disabled || untimed}
            onChange={(e) => onChange({ timeExpression: e.target.value })}
            autoComplete="off"
            spellCheck={false}
          />
        )}
      </Field>
      <Field id={id('time-zone')} label="Time zone" errors={errors.timeZone} hint="IANA name, e.g. Europe/Paris">
        {(p) => (
          <>
            <input
              {...p}
              list={id('time-zones')}
              value={values.timeZone}
              onChange={(e) => onChange({ timeZone: e.target.value })}
              autoComplete="off"
            />
            <datalist id={id('time-zones')}>
              {timeZones().map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <div className="field-row">
        <Field
          id={id('lifecycle-start')}
          label="Lifecycle start"
          errors={errors.lifecycleStart}
          hint="Nothing fires before (your time zone); empty: no bound"
        >
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              step="any"
              value={values.lifecycleStart}
              onChange={(e) => onChange({ lifecycleStart: e.target.value })}
            />
          )}
        </Field>
        <Field
          id={id('lifecycle-end')}
          label="Lifecycle end"
          errors={errors.lifecycleEnd}
          hint="Nothing fires after; empty: no bound"
        >
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              step="any"
              value={values.lifecycleEnd}
              onChange={(e) => onChange({ lifecycleEnd: e.target.value })}
            />
          )}
        </Field>
      </div>
    </fieldset>
  );
}

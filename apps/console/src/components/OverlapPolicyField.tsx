import { OVERLAP_POLICIES, type OverlapPolicy } from '../api/types';
import { Field } from './Field';

interface OverlapPolicyFieldProps {
  id: string;
  value: OverlapPolicy;
  onChange: (policy: OverlapPolicy) => void;
  errors?: string[];
}

/** The overlap policy of a job or a workflow (they take the same names): what a timer slot does meanwhile. */
export function OverlapPolicyField({ id, value, onChange, errors }: OverlapPolicyFieldProps) {
  return (
    <Field
      id={id}
      label="Overlap policy"
      errors={errors}
      hint="What a timer slot does while earlier instances are unfinished"
    >
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value as OverlapPolicy)}>
          {OVERLAP_POLICIES.map((policy) => (
            <option key={policy}>{policy}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

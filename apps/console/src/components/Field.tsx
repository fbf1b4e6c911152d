import type { ReactNode } from 'react';

/** Props a field's control spreads so that its label, hint and errors belong to it. */
export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  id: string;
  label: string;
  hint?: ReactNode;
  errors?: string[];
  children: (control: ControlProps) => ReactNode;
  className?: string;
}

/** A labelled form control with its hint and its field errors (from a 400 naming the field). */
export function Field({ id, label, hint, errors, children, className }: FieldProps) {
  const hasErrors = errors !== undefined && errors.length > 0;
  const describedBy = [hint ? `${id}-hint` : '', hasErrors ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${hasErrors ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': hasErrors || undefined, 'aria-describedby': describedBy || undefined })}
      {hint && (
        <div id={`${id}-hint`} className="hint">
          {hint}
        </div>
      )}
      {hasErrors && (
        <div id={`${id}-error`} className="field-error" role="alert">
          {errors.map((e) => (
            <p key={e}>{e}</p>
          ))}
        </div>
      )}
    </div>
  );
}

interface CheckboxFieldProps {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  hint?: string;
  errors?: string[];
}

export function CheckboxField({ id, label, checked, onChange, disabled, hint, errors }: CheckboxFieldProps) {
  const hasErrors = errors !== undefined && errors.length > 0;
  return (
    <div className={`field field-checkbox${hasErrors ? ' field-invalid' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <div id={`${id}-hint`} className="hint">
          {hint}
        </div>
      )}
      {hasErrors && (
        <div className="field-error" role="alert">
          {errors.map((e) => (
            <p key={e}>{e}</p>
          ))}
        </div>
      )}
    </div>
  );
}

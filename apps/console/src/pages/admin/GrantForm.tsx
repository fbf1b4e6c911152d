import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { putGrant } from '../../api/admin';
import { ROLES, type AppRole } from '../../api/admin-types';
import { keys } from '../../api/query-keys';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

interface GrantFormProps {
  app: string;
  /** Prefill (Change role on a row). */
  initial?: { username: string; role: AppRole };
}

/** Gives a user a role on the app, or changes it (PUT /grants/:username). */
export function GrantForm({ app, initial }: GrantFormProps) {
  const queryClient = useQueryClient();
  const [username, setUsername] = useState(initial?.username ?? '');
  const [role, setRole] = useState<AppRole>(initial?.role ?? 'OBSERVER');
  const save = useMutation({
    mutationFn: () => putGrant(app, username.trim(), role),
    onSuccess: async () => {
      setUsername('');
      setRole('OBSERVER');
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.grants(app) }),
        queryClient.invalidateQueries({ queryKey: keys.me }),
      ]);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <h3>Give a role on {app}</h3>
      <Field id="grant-username" label="Username">
        {(p) => (
          <input {...p} autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} required />
        )}
      </Field>
      <Field
        id="grant-role"
        label="Role"
        hint="OBSERVER reads; OPERATOR also runs, stops and retries; DEVELOPER also edits jobs and workflows; ADMIN also manages grants"
      >
        {(p) => (
          <select {...p} value={role} onChange={(e) => setRole(e.target.value as AppRole)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        )}
      </Field>
      <ErrorMessage error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        Save grant
      </button>
      {save.isSuccess && <p role="status">Grant saved.</p>}
    </form>
  );
}

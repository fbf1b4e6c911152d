import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createUser } from '../../api/admin';
import { keys } from '../../api/query-keys';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { splitFieldErrors } from '../../lib/field-errors';

export function CreateUserForm() {
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: () => createUser(username.trim(), password),
    onSuccess: async () => {
      setUsername('');
      setPassword('');
      await queryClient.invalidateQueries({ queryKey: keys.users });
    },
  });
  const errors = splitFieldErrors(create.error, ['username', 'password'] as const);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <h3>Create a user</h3>
      {create.isError && errors.general.length > 0 && <ErrorMessage error={errors.general} />}
      <Field
        id="user-username"
        label="Username"
        errors={create.isError ? errors.fields.username : undefined}
        hint="1-100 letters, digits, - _ . @"
      >
        {(p) => (
          <input {...p} autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} required />
        )}
      </Field>
      <Field
        id="user-password"
        label="Password"
        errors={create.isError ? errors.fields.password : undefined}
        hint="12-200 characters"
      >
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        )}
      </Field>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create user
      </button>
      {create.isSuccess && <p role="status">User created. Give them a role on an app under Grants.</p>}
    </form>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { createApp, listApps } from '../../api/admin';
import { keys } from '../../api/query-keys';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { QueryView } from '../../components/QueryView';
import { Time } from '../../components/Time';
import { splitFieldErrors } from '../../lib/field-errors';
import { useSession } from '../../auth/session-context';
import { RequireServerAdmin } from './RequireServerAdmin';

function CreateAppForm() {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: () => createApp(name.trim(), password),
    onSuccess: async () => {
      setName('');
      setPassword('');
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.apps }),
        queryClient.invalidateQueries({ queryKey: keys.me }),
      ]);
    },
  });
  const errors = splitFieldErrors(create.error, ['name', 'password'] as const);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <h3>Create an app</h3>
      {create.isError && errors.general.length > 0 && <ErrorMessage error={errors.general} />}
      <Field
        id="app-name"
        label="Name"
        errors={create.isError ? errors.fields.name : undefined}
        hint="1-100 letters, digits, - _ ."
      >
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <Field
        id="app-password"
        label="Password"
        errors={create.isError ? errors.fields.password : undefined}
        hint="8-200 characters: workers and API clients of the app log in with it"
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
        Create app
      </button>
      {create.isSuccess && <p role="status">App created.</p>}
    </form>
  );
}

export function AppsSection() {
  const { me } = useSession();
  // Only the server admin may list apps: nobody else sends a request bound for 403.
  const query = useQuery({ queryKey: keys.apps, queryFn: listApps, enabled: me.serverAdmin });
  return (
    <RequireServerAdmin>
      <section>
        <h2 id="apps-title">Apps</h2>
        <QueryView query={query} what="apps" isEmpty={(d) => d.length === 0}>
          {(apps) => (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Apps</caption>
                <thead>
                  <tr>
                    <th scope="col">ID</th>
                    <th scope="col">Name</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {apps.map((a) => (
                    <tr key={a.id}>
                      <td>{a.id}</td>
                      <th scope="row">{a.name}</th>
                      <td>
                        <Time value={a.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        <CreateAppForm />
      </section>
    </RequireServerAdmin>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteUser, listUsers } from '../../api/admin';
import { keys } from '../../api/query-keys';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { QueryView } from '../../components/QueryView';
import { Time } from '../../components/Time';
import { CreateUserForm } from './CreateUserForm';
import { useSession } from '../../auth/session-context';
import { RequireServerAdmin } from './RequireServerAdmin';
import { ResetPasswordDialog } from './ResetPasswordDialog';

export function UsersSection() {
  const queryClient = useQueryClient();
  const { me } = useSession();
  // Only the server admin may list users: nobody else sends a request bound for 403.
  const query = useQuery({ queryKey: keys.users, queryFn: listUsers, enabled: me.serverAdmin });
  const [dialog, setDialog] = useState<{ kind: 'reset' | 'delete'; username: string } | null>(null);
  const remove = useMutation({
    mutationFn: (username: string) => deleteUser(username),
    onSuccess: async () => {
      setDialog(null);
      await queryClient.invalidateQueries({ queryKey: keys.users });
    },
  });

  return (
    <RequireServerAdmin>
      <section>
        <h2 id="users-title">Users</h2>
        <QueryView query={query} what="users" isEmpty={(d) => d.length === 0} empty="No console user yet.">
          {(users) => (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Users</caption>
                <thead>
                  <tr>
                    <th scope="col">Username</th>
                    <th scope="col">Created</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {users.map((u) => (
                    <tr key={u.id}>
                      <th scope="row">{u.username}</th>
                      <td>
                        <Time value={u.createdAt} />
                      </td>
                      <td>
                        {u.grants.length === 0 ? (
                          <span className="muted">none</span>
                        ) : (
                          <ul className="chips">
                            {u.grants.map((g) => (
                              <li key={g.appName}>
                                {g.appName}: {g.role}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td>
                        <div className="row-actions">
                          <button type="button" onClick={() => setDialog({ kind: 'reset', username: u.username })}>
                            Reset password
                          </button>
                          <button
                            type="button"
                            className="danger"
                            onClick={() => setDialog({ kind: 'delete', username: u.username })}
                          >
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        <CreateUserForm />
        {dialog?.kind === 'reset' && <ResetPasswordDialog username={dialog.username} onClose={() => setDialog(null)} />}
        {dialog?.kind === 'delete' && (
          <ConfirmDialog
            title={`Delete user ${dialog.username}?`}
            confirmLabel="Delete"
            onConfirm={() => remove.mutate(dialog.username)}
            onClose={() => {
              remove.reset();
              setDialog(null);
            }}
            pending={remove.isPending}
            error={remove.error}
          >
            <p>
              <strong>{dialog.username}</strong> loses every role and can no longer log in.
            </p>
          </ConfirmDialog>
        )}
      </section>
    </RequireServerAdmin>
  );
}

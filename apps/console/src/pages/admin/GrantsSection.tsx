import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteGrant, listGrants } from '../../api/admin';
import type { Grant } from '../../api/admin-types';
import { keys } from '../../api/query-keys';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { QueryView } from '../../components/QueryView';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { GrantForm } from './GrantForm';
import { RequireAppAdmin } from './RequireAppAdmin';

function Grants({ app }: { app: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: keys.grants(app), queryFn: () => listGrants(app) });
  const [editing, setEditing] = useState<Grant | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (username: string) => deleteGrant(app, username),
    onSuccess: async () => {
      setRemoving(null);
      await queryClient.invalidateQueries({ queryKey: keys.grants(app) });
    },
  });

  return (
    <section>
      <h2 id="grants-title">Grants of {app}</h2>
      <QueryView query={query} what="grants" isEmpty={(d) => d.length === 0} empty="No user has a role on this app.">
        {(grants) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Grants</caption>
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Role</th>
                  <th scope="col">Granted</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {grants.map((g) => (
                  <tr key={g.username}>
                    <th scope="row">{g.username}</th>
                    <td>
                      <StatusBadge status={g.role} />
                    </td>
                    <td>
                      <Time value={g.grantedAt} />
                    </td>
                    <td>
                      <div className="row-actions">
                        <button type="button" onClick={() => setEditing(g)}>
                          Change role
                        </button>
                        <button type="button" className="danger" onClick={() => setRemoving(g.username)}>
                          Remove
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
      <GrantForm key={editing ? `edit-${editing.username}` : 'new'} app={app} initial={editing ?? undefined} />
      {removing !== null && (
        <ConfirmDialog
          title={`Remove the role of ${removing}?`}
          confirmLabel="Remove"
          onConfirm={() => remove.mutate(removing)}
          onClose={() => {
            remove.reset();
            setRemoving(null);
          }}
          pending={remove.isPending}
          error={remove.error}
        >
          <p>
            <strong>{removing}</strong> will no longer see or act on {app}.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

export function GrantsSection() {
  return <RequireAppAdmin>{(app) => <Grants app={app} />}</RequireAppAdmin>;
}

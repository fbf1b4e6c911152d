import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { resetUserPassword } from '../../api/admin';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';

export function ResetPasswordDialog({ username, onClose }: { username: string; onClose: () => void }) {
  const [newPassword, setNewPassword] = useState('');
  const reset = useMutation({ mutationFn: () => resetUserPassword(username, newPassword), onSuccess: onClose });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate();
  };
  return (
    <Dialog title={`Reset the password of ${username}`} onClose={onClose}>
      <form onSubmit={submit}>
        <Field id="reset-new-password" label="New password" hint="12-200 characters">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={newPassword}
              onChange={(e) => setNewPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <ErrorMessage error={reset.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={reset.isPending}>
            Reset password
          </button>
        </div>
      </form>
    </Dialog>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { login } from '../../api/auth';
import { ApiError, errorMessages } from '../../api/errors';
import { readSession, saveSession } from '../../auth/session-store';

function loginErrorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Wrong username or password.';
  if (err instanceof ApiError && err.status === 429) {
    return `Too many login attempts: wait a moment and try again. (${err.messages.join('; ')})`;
  }
  return errorMessages(err).join('; ');
}

export function LoginPage() {
  const location = useLocation();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && !from.startsWith('/login') ? from : '/';

  const mutation = useMutation({
    mutationFn: () => login(username, password),
    onSuccess: (session) => {
      saveSession(session);
      // Nothing cached for the previous user may show; the re-render below goes where the visitor was heading.
      queryClient.clear();
    },
  });

  if (readSession() !== null) return <Navigate to={target} replace />;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    mutation.mutate();
  };

  return (
    <main className="login">
      <title>Log in · Jobnest</title>
      <form className="login-form" onSubmit={onSubmit}>
        <h1 id="login-title">Jobnest console</h1>
        <div className="field">
          <label htmlFor="login-username">Username</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {mutation.isError && (
          <div className="error-box" role="alert">
            <p>{loginErrorText(mutation.error)}</p>
          </div>
        )}
        <button type="submit" className="primary" disabled={mutation.isPending}>
          {mutation.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { getMe } from '../api/auth';
import { keys } from '../api/query-keys';
import { ErrorMessage } from '../components/ErrorMessage';
import { Loading } from '../components/Loading';
import { readSelectedApp, saveSelectedApp } from './app-selection';
import { SessionContext, type SessionValue } from './session-context';
import { clearSession } from './session-store';

/** Loads /me and keeps the app picked in the header (persisted in localStorage). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useQuery({ queryKey: keys.me, queryFn: getMe, staleTime: 60_000 });
  const [picked, setPicked] = useState<string | null>(() => readSelectedApp());

  const selectApp = useCallback((appName: string) => {
    saveSelectedApp(appName);
    setPicked(appName);
  }, []);

  const logout = useCallback(() => {
    clearSession();
    queryClient.clear();
    void navigate('/login', { replace: true });
  }, [navigate, queryClient]);

  const value = useMemo<SessionValue | null>(() => {
    if (!me.data) return null;
    const apps = me.data.apps;
    const current = apps.find((a) => a.name === picked) ?? apps[0] ?? null;
    return {
      me: me.data,
      appName: current?.name ?? null,
      role: current?.role ?? null,
      selectApp,
      logout,
    };
  }, [me.data, picked, selectApp, logout]);

  if (me.isPending) return <Loading label="Loading your account" />;
  // Only a first load that failed blanks the console: a background refetch that fails keeps what was loaded (and
  // the forms being edited); the next refetch or a 401 settles it.
  if (value === null) {
    return (
      <main className="centered">
        <h1>Jobnest</h1>
        <ErrorMessage error={me.error} />
        <button type="button" onClick={logout}>
          Log out
        </button>
      </main>
    );
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

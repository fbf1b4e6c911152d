import { createContext, useContext } from 'react';
import type { AppRole, Me } from '../api/admin-types';
import { can, type Ability } from './roles';

export interface SessionValue {
  me: Me;
  /** The app picked in the header, or null when the user has no app. */
  appName: string | null;
  role: AppRole | null;
  selectApp: (appName: string) => void;
  logout: () => void;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession outside SessionProvider');
  return value;
}

export interface CurrentApp {
  app: string;
  role: AppRole;
  can: (ability: Ability) => boolean;
}

/** The current app and role; only under RequireApp, which renders nothing app-scoped without an app. */
export function useCurrentApp(): CurrentApp {
  const { appName, role } = useSession();
  if (appName === null || role === null) throw new Error('useCurrentApp without an app');
  return { app: appName, role, can: (ability) => can(role, ability) };
}

import type { ReactNode } from 'react';
import { can } from '../../auth/roles';
import { useSession } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';

/** Renders its children (given the app name) only for an ADMIN of the current app. */
export function RequireAppAdmin({ children }: { children: (app: string) => ReactNode }) {
  const { appName, role } = useSession();
  if (appName === null || !can(role, 'administer')) {
    return <EmptyState>Only an admin of the current app can see its grants and audit log.</EmptyState>;
  }
  return <>{children(appName)}</>;
}

import type { ReactNode } from 'react';
import { useSession } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';

export function RequireServerAdmin({ children }: { children: ReactNode }) {
  const { me } = useSession();
  if (!me.serverAdmin) return <EmptyState>Only the server admin can manage apps and users.</EmptyState>;
  return <>{children}</>;
}

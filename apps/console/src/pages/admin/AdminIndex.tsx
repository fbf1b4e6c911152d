import { Navigate } from 'react-router';
import { useSession } from '../../auth/session-context';

export function AdminIndex() {
  const { me } = useSession();
  return <Navigate to={me.serverAdmin ? '/admin/apps' : '/admin/grants'} replace />;
}

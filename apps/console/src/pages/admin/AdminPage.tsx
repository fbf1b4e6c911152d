import { NavLink, Outlet } from 'react-router';
import { can } from '../../auth/roles';
import { useSession } from '../../auth/session-context';
import { EmptyState } from '../../components/EmptyState';
import { PageHeader } from '../../components/PageHeader';

/** Apps and users (server admin), the current app's grants and audit log (app ADMIN). */
export function AdminPage() {
  const { me, appName, role } = useSession();
  const appAdmin = appName !== null && can(role, 'administer');
  if (!me.serverAdmin && !appAdmin) {
    return (
      <>
        <PageHeader title="Admin" />
        <EmptyState>Only the server admin and app admins can see this page.</EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Admin" />
      <nav className="tabs" aria-label="Admin sections">
        {me.serverAdmin && <NavLink to="/admin/apps">Apps</NavLink>}
        {me.serverAdmin && <NavLink to="/admin/users">Users</NavLink>}
        {appAdmin && <NavLink to="/admin/grants">Grants of {appName}</NavLink>}
        {appAdmin && <NavLink to="/admin/audit">Audit log of {appName}</NavLink>}
      </nav>
      <Outlet />
    </>
  );
}

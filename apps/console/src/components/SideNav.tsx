import { NavLink } from 'react-router';
import { can } from '../auth/roles';
import { useSession } from '../auth/session-context';

export function SideNav() {
  const { me, role } = useSession();
  const showAdmin = me.serverAdmin || can(role, 'administer');
  return (
    <nav className="sidenav" aria-label="Main">
      <ul>
        <li>
          <NavLink to="/" end>
            Overview
          </NavLink>
        </li>
        <li>
          <NavLink to="/jobs">Jobs</NavLink>
        </li>
        <li>
          <NavLink to="/instances">Instances</NavLink>
        </li>
        <li>
          <NavLink to="/workflows">Workflows</NavLink>
        </li>
        <li>
          <NavLink to="/workflow-instances">Workflow runs</NavLink>
        </li>
        <li>
          <NavLink to="/workers">Workers</NavLink>
        </li>
        <li>
          <NavLink to="/alarms">Alarms</NavLink>
        </li>
        {showAdmin && (
          <li>
            <NavLink to="/admin">Admin</NavLink>
          </li>
        )}
      </ul>
    </nav>
  );
}

import { Link } from 'react-router';
import { useSession } from '../auth/session-context';
import { AppPicker } from './AppPicker';

/** Brand, app picker, links to the server's own tools, and the user. */
export function Header() {
  const { me, logout } = useSession();
  return (
    <header className="header">
      <Link to="/" className="brand">
        Jobnest
      </Link>
      <AppPicker />
      <nav className="tools" aria-label="Server tools">
        <a href="/admin/queues" target="_blank" rel="noreferrer">
          Queues (bull-board)
        </a>
        <a href="/api/docs" target="_blank" rel="noreferrer">
          API docs (Swagger)
        </a>
        <a href="/metrics" target="_blank" rel="noreferrer">
          Metrics
        </a>
      </nav>
      <div className="user">
        <span>
          {me.username}
          {me.serverAdmin && <span className="role">server admin</span>}
        </span>
        <button type="button" onClick={logout}>
          Log out
        </button>
      </div>
    </header>
  );
}

import { useLocation, useNavigate } from 'react-router';
import { useSession } from '../auth/session-context';

/** Picks the app every app-scoped call acts on (sent as X-Jobnest-App); the choice is kept in localStorage. */
export function AppPicker() {
  const { me, appName, role, selectApp } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  if (me.apps.length === 0) return <span className="app-picker muted">No app</span>;

  const onChange = (name: string) => {
    selectApp(name);
    // A detail page (/jobs/12) belongs to the app left behind: go back to its area's list.
    const area = location.pathname.split('/')[1] ?? '';
    if (location.pathname.split('/').length > 2) void navigate(`/${area}`);
  };

  return (
    <div className="app-picker">
      <label htmlFor="app-picker">App</label>
      <select id="app-picker" value={appName ?? ''} onChange={(e) => onChange(e.target.value)}>
        {me.apps.map((a) => (
          <option key={a.id} value={a.name}>
            {a.name}
          </option>
        ))}
      </select>
      {role && (
        <span className="role" title="Your role on this app">
          {role}
        </span>
      )}
    </div>
  );
}

import { Navigate, Outlet, useLocation } from 'react-router';
import { readSession } from './session-store';
import { SessionProvider } from './SessionProvider';

/** Sends a visitor without a (live) token to the login page, remembering where they were going. */
export function RequireAuth() {
  const location = useLocation();
  if (readSession() === null) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return (
    <SessionProvider>
      <Outlet />
    </SessionProvider>
  );
}

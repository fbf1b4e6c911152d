import { Fragment } from 'react';
import { Outlet } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { useSession } from './session-context';

/** Layout route of the app-scoped pages: renders them only when an app is picked, afresh for each app. */
export function RequireApp() {
  const { appName, me } = useSession();
  if (appName === null) {
    return (
      <EmptyState>
        {me.serverAdmin
          ? 'There is no app yet. Create one on the Admin page.'
          : 'You have no role on any app yet. Ask an app admin for a grant.'}
      </EmptyState>
    );
  }
  return (
    <Fragment key={appName}>
      <Outlet />
    </Fragment>
  );
}

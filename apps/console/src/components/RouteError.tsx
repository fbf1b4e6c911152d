import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ErrorMessage } from './ErrorMessage';

/** Shown when a page throws while rendering. */
export function RouteError() {
  const error = useRouteError();
  return (
    <div className="route-error">
      <h1>Something went wrong</h1>
      {isRouteErrorResponse(error) ? (
        <p>
          {error.status} {error.statusText}
        </p>
      ) : (
        <ErrorMessage error={error} />
      )}
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </div>
  );
}

import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { ApiError } from './api/errors';
import { setUnauthorizedHandler } from './api/http';
import { clearSession } from './auth/session-store';
import { router } from './router';
import './styles.css';

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({
    // A 403: the user's role on the app changed; reload /me so that the app picker and the controls follow.
    onError: (error, query) => {
      if (error instanceof ApiError && error.status === 403 && query.queryKey[0] !== 'me') {
        void queryClient.invalidateQueries({ queryKey: ['me'] });
      }
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by asking again.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      refetchOnWindowFocus: true,
    },
  },
});

// A 401 from any authenticated call: the token expired or was revoked; back to the login page.
setUnauthorizedHandler(() => {
  clearSession();
  queryClient.clear();
  if (router.state.location.pathname !== '/login') {
    const { pathname, search } = router.state.location;
    void router.navigate('/login', { replace: true, state: { from: pathname + search } });
  }
});

const root = document.getElementById('root');
if (root === null) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);

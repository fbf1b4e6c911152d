import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter } from 'react-router';
import { RequireApp } from './auth/RequireApp';
import { RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { Loading } from './components/Loading';
import { RouteError } from './components/RouteError';
import { AdminPage } from './pages/admin/AdminPage';
import { AdminIndex } from './pages/admin/AdminIndex';
import { AppsSection } from './pages/admin/AppsSection';
import { AuditSection } from './pages/admin/AuditSection';
import { AlarmsPage } from './pages/alarms/AlarmsPage';
import { GrantsSection } from './pages/admin/GrantsSection';
import { UsersSection } from './pages/admin/UsersSection';
import { InstanceDetailPage } from './pages/instances/InstanceDetailPage';
import { InstancesPage } from './pages/instances/InstancesPage';
import { JobFormPage } from './pages/jobs/JobFormPage';
import { JobsPage } from './pages/jobs/JobsPage';
import { LoginPage } from './pages/login/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/overview/OverviewPage';
import { WorkersPage } from './pages/workers/WorkersPage';
import { WorkflowInstancesPage } from './pages/workflows/WorkflowInstancesPage';
import { WorkflowsPage } from './pages/workflows/WorkflowsPage';

// The DAG pages carry @xyflow/react and dagre: loaded on first use.
const WorkflowEditorPage = lazy(() => import('./pages/workflows/WorkflowEditorPage'));
const WorkflowInstancePage = lazy(() => import('./pages/workflows/WorkflowInstancePage'));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading label="Loading the page" />}>{children}</Suspense>;
}

export const router = createBrowserRouter(
  [
    { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
    {
      path: '/',
      element: <RequireAuth />,
      errorElement: <RouteError />,
      children: [
        {
          element: <Layout />,
          children: [
            {
              errorElement: <RouteError />,
              children: [
                {
                  element: <RequireApp />,
                  children: [
                    { index: true, element: <OverviewPage /> },
                    { path: 'jobs', element: <JobsPage /> },
                    { path: 'jobs/new', element: <JobFormPage mode="create" /> },
                    { path: 'jobs/:id/edit', element: <JobFormPage mode="edit" /> },
                    { path: 'instances', element: <InstancesPage /> },
                    { path: 'instances/:id', element: <InstanceDetailPage /> },
                    { path: 'workflows', element: <WorkflowsPage /> },
                    {
                      path: 'workflows/new',
                      element: (
                        <Lazy>
                          <WorkflowEditorPage />
                        </Lazy>
                      ),
                    },
                    {
                      path: 'workflows/:id',
                      element: (
                        <Lazy>
                          <WorkflowEditorPage />
                        </Lazy>
                      ),
                    },
                    { path: 'workflow-instances', element: <WorkflowInstancesPage /> },
                    {
                      path: 'workflow-instances/:id',
                      element: (
                        <Lazy>
                          <WorkflowInstancePage />
                        </Lazy>
                      ),
                    },
                    { path: 'workers', element: <WorkersPage /> },
                    { path: 'alarms', element: <AlarmsPage /> },
                  ],
                },
                {
                  path: 'admin',
                  element: <AdminPage />,
                  children: [
                    { index: true, element: <AdminIndex /> },
                    { path: 'apps', element: <AppsSection /> },
                    { path: 'users', element: <UsersSection /> },
                    { path: 'grants', element: <GrantsSection /> },
                    { path: 'audit', element: <AuditSection /> },
                  ],
                },
                { path: '*', element: <NotFoundPage /> },
              ],
            },
          ],
        },
      ],
    },
  ],
  { basename: '/console' },
);

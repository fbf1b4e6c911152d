/**
 * TanStack Query keys. Every app-scoped key starts with ['app', appName] so that switching apps never shows another
 * app's cache, and one prefix invalidates a whole area of one app.
 */
export const keys = {
  me: ['me'] as const,
  apps: ['admin', 'apps'] as const,
  users: ['admin', 'users'] as const,
  app: (app: string) => ['app', app] as const,
  jobs: (app: string) => ['app', app, 'jobs'] as const,
  instances: (app: string) => ['app', app, 'instances'] as const,
  workflows: (app: string) => ['app', app, 'workflows'] as const,
  workflowInstances: (app: string) => ['app', app, 'workflow-instances'] as const,
  workers: (app: string) => ['app', app, 'workers'] as const,
  alarms: (app: string) => ['app', app, 'alarms'] as const,
  grants: (app: string) => ['app', app, 'grants'] as const,
  audit: (app: string) => ['app', app, 'audit'] as const,
};

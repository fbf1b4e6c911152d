import type { App, AppRole, AppSummary, AuditEntry, AuditFilter, ConsoleUser, Grant } from './admin-types';
import { apiRequest } from './http';
import type { Page } from './types';

const API = '/api/v1';

// Server admin only.

export function listApps(): Promise<AppSummary[]> {
  return apiRequest(`${API}/apps`);
}

export function createApp(name: string, password: string): Promise<App> {
  return apiRequest(`${API}/apps`, { method: 'POST', body: { name, password } });
}

export function listUsers(): Promise<ConsoleUser[]> {
  return apiRequest(`${API}/users`);
}

export function createUser(username: string, password: string): Promise<ConsoleUser> {
  return apiRequest(`${API}/users`, { method: 'POST', body: { username, password } });
}

export function deleteUser(username: string): Promise<void> {
  return apiRequest(`${API}/users/${encodeURIComponent(username)}`, { method: 'DELETE' });
}

export function resetUserPassword(username: string, newPassword: string): Promise<void> {
  return apiRequest(`${API}/users/${encodeURIComponent(username)}/password`, {
    method: 'PUT',
    body: { newPassword },
  });
}

// App ADMIN (X-Jobnest-App).

export function listGrants(app: string): Promise<Grant[]> {
  return apiRequest(`${API}/grants`, { app });
}

export function putGrant(app: string, username: string, role: AppRole): Promise<Grant> {
  return apiRequest(`${API}/grants/${encodeURIComponent(username)}`, { app, method: 'PUT', body: { role } });
}

export function deleteGrant(app: string, username: string): Promise<void> {
  return apiRequest(`${API}/grants/${encodeURIComponent(username)}`, { app, method: 'DELETE' });
}

export function listAudit(app: string, query: AuditFilter): Promise<Page<AuditEntry>> {
  return apiRequest(`${API}/audit`, { app, query: { ...query } });
}

import type { Me, UserSession } from './admin-types';
import { apiRequest } from './http';

export function login(username: string, password: string): Promise<UserSession> {
  return apiRequest('/api/v1/auth/login', { method: 'POST', body: { username, password }, auth: false });
}

export function getMe(): Promise<Me> {
  return apiRequest('/api/v1/me');
}

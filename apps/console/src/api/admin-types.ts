/** Types of the console routes (login, /me, apps, users, grants, audit) as the console contract defines them. */

export type Role = 'OBSERVER' | 'OPERATOR' | 'DEVELOPER' | 'ADMIN';
export const ROLES: readonly Role[] = ['OBSERVER', 'OPERATOR', 'DEVELOPER', 'ADMIN'];

/** Answer of POST /auth/login. */
export interface LoginResult {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  username: string;
  serverAdmin: boolean;
}

export interface MyApp {
  id: number;
  name: string;
  role: Role;
}

/** Answer of GET /me. */
export interface Me {
  username: string;
  serverAdmin: boolean;
  apps: MyApp[];
}

export interface AppSummary {
  id: number;
  name: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface UserGrant {
  appName: string;
  role: Role;
}

export interface User {
  id: number;
  username: string;
  createdAt: string;
  grants: UserGrant[];
}

export interface CreatedUser {
  id: number;
  username: string;
  createdAt: string;
}

export interface Grant {
  username: string;
  role: Role;
  grantedAt: string;
}

export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: string | null;
}

export interface AuditQuery {
  page?: number;
  size?: number;
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
}

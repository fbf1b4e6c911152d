/** Wire types of the users, grants and audit routes. */

import type { InstanceStatus, PageQuery } from './types';

/** What a console user may do in an app; each role includes the ones before it. */
export type AppRole = 'OBSERVER' | 'OPERATOR' | 'DEVELOPER' | 'ADMIN';

/** Body of `POST /api/v1/auth/login`. */
export interface UserSession {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  username: string;
  /** True for the server admin (JOBNEST_ADMIN_USER). */
  serverAdmin: boolean;
}

/** An app the caller may act in, with its role there. */
export interface AppAccess {
  id: number;
  name: string;
  role: AppRole;
}

/** Body of `GET /api/v1/me`. */
export interface Me {
  /** The username, or the app name for an app token. */
  username: string;
  kind: 'user' | 'admin' | 'app';
  serverAdmin: boolean;
  apps: AppAccess[];
}

/** One app in `GET /api/v1/apps` (the server admin's list). */
export interface AppSummary {
  id: number;
  name: string;
  /** Parts of the app's status and log streams (1-16). */
  streamParts: number;
  /** ISO time. */
  createdAt: string;
}

/** Keys and the commands allowed on them. */
export interface RedisAclPermission {
  /** ACL key patterns, without their `~`. */
  keyPatterns: string[];
  /** ACL command rules, e.g. `+xadd +xread`. */
  commands: string;
}

/** What one Redis ACL user may touch (answer part of `GET /api/v1/apps/:name/redis-acl`). */
export interface RedisAclRules extends RedisAclPermission {
  username: string;
  /** Redis 7 selectors: a command is allowed when the root rules or one selector allow it. */
  selectors: RedisAclPermission[];
}

/** The Redis ACL users of an app's workers and of the servers, for the server's key prefix. */
export interface RedisAcl {
  appId: number;
  appName: string;
  app: RedisAclRules;
  server: RedisAclRules;
}

/** A console user, with their role in each app (`GET /api/v1/users`). */
export interface ConsoleUser {
  id: number;
  username: string;
  /** ISO time. */
  createdAt: string;
  grants: { appName: string; role: AppRole }[];
}

/** A user's role in the app of the request (`GET /api/v1/grants`). */
export interface Grant {
  username: string;
  role: AppRole;
  /** ISO time. */
  grantedAt: string;
}

/** One mutating call in the audit log. */
export interface AuditEntry {
  id: number;
  /** ISO time the call was answered. */
  at: string;
  /** `user:alice`, `app:billing` or `admin:admin`. */
  actor: string;
  /** e.g. `job.update`, `instance.retry`, `grant.set`. */
  action: string;
  targetType: string;
  targetId: string | null;
  detail: string | null;
}

/** Filter of {@link JobnestClient.listAudit}. */
export interface AuditFilter extends PageQuery {
  /** Only calls by this actor (Default: any). */
  actor?: string;
  /** Only this action (Default: any). */
  action?: string;
  /** Only this kind of target (Default: any). */
  targetType?: string;
  /** Only this target (Default: any). */
  targetId?: string;
}

/** Body of `GET /api/v1/instances/stats`: instances per status in each bar that has any, oldest first. */
export interface InstanceStats {
  /** `start`: epoch ms of the bar; `counts`: instances due in the bar, by status (statuses with none left out). */
  buckets: { start: number; counts: Partial<Record<InstanceStatus, number>> }[];
}

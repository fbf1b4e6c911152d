/**
 * Types of the console routes (login, /me, apps, users, grants, audit): those of `@jobnest/client`, imported as
 * types only. The list of roles the console offers is kept here, typed with the client's union.
 */
import type { AppRole } from '@jobnest/client';

export type {
  App,
  AppAccess,
  AppRole,
  AppSummary,
  AuditEntry,
  AuditFilter,
  ConsoleUser,
  Grant,
  Me,
  UserSession,
} from '@jobnest/client';

/** Every role, lowest first: each includes the ones before it. */
export const ROLES: readonly AppRole[] = ['OBSERVER', 'OPERATOR', 'DEVELOPER', 'ADMIN'];

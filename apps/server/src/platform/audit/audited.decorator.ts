import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const AUDIT_SPEC = 'jobnest:audit';

/** The kinds of object an audit entry names. */
export type AuditTargetType =
  'app' | 'user' | 'grant' | 'job' | 'workflow' | 'instance' | 'workflow-instance' | 'alarm-channel' | 'alarm-rule';

/** How a mutating route is written to the audit log (see AuditInterceptor). */
export interface AuditSpec {
  /** What was done, `<target>.<verb>`, e.g. `job.create`. */
  action: string;
  targetType: AuditTargetType;
  /**
   * The target's id or name. (Default: the route's `:id`, `:name` or `:username` parameter, else the answer's `id`)
   */
  target?: (request: Request, answer: unknown) => string | number | undefined;
  /** A short summary worth keeping, never a secret. (Default: none) */
  detail?: (request: Request, answer: unknown) => string | undefined;
  /** Who acted, for routes that check credentials in the body rather than a guard. (Default: the guard's actor) */
  actor?: (request: Request) => string;
  /**
   * The app the call acted on, for routes outside an app's guard (an app's password): its name, resolved to the
   * app's id so the app's ADMINs see the row. (Default: the guard's app, or none)
   */
  appName?: (request: Request, answer: unknown) => string | undefined;
  /**
   * false: the row is queued for the next group commit and the answer does not wait for it. Only for the hot run
   * routes, whose answers would otherwise carry one more database round trip; a server crash in the few
   * milliseconds between the answer and the commit loses those rows. (Default: true)
   */
  waitForWrite?: boolean;
}

/**
 * Writes every successful call of this route to the audit log before it is answered. Every POST, PUT and DELETE
 * route carries this or @NotAudited: the server refuses to boot otherwise (RoutePolicyCheck).
 */
export const Audited = (spec: AuditSpec): MethodDecorator => SetMetadata(AUDIT_SPEC, spec);

/** A POST that changes nothing worth auditing (a login); `why` is kept for the next reader. */
export const NotAudited = (why: string): MethodDecorator => SetMetadata(AUDIT_SPEC, { notAudited: why });

/** Reads a field of a JSON answer or body, when it is an object. */
export function fieldOf(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
}

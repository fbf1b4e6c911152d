import { Injectable, RequestMethod, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService } from '@nestjs/core';
import { AccountGuard } from '../auth/account.guard';
import { AdminAuthGuard, RegistrationGuard } from '../auth/admin-auth.guard';
import { AppAuthGuard } from '../auth/app-auth.guard';
import { REQUIRED_ROLE } from '../auth/required-role.decorator';
import { AUDIT_SPEC } from '../audit/audited.decorator';
import { PUBLIC_ROUTE } from './public-route.decorator';

/** A route that forgot its role or its audit declaration: the server does not boot with one. */
export class RoutePolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(`routes without an access or audit policy:\n  ${problems.join('\n  ')}`);
    this.name = 'RoutePolicyError';
  }
}

/** The guards that check who calls; a route with none of them must say it is public. */
const AUTH_GUARDS: readonly unknown[] = [AppAuthGuard, AccountGuard, AdminAuthGuard, RegistrationGuard];

const MUTATING = new Set<RequestMethod>([
  RequestMethod.POST,
  RequestMethod.PUT,
  RequestMethod.PATCH,
  RequestMethod.DELETE,
]);

/**
 * Checks at boot that every route has an auth guard or says it is @PublicRoute, every route behind AppAuthGuard
 * declares @RequiresRole, and every mutating route declares @Audited or @NotAudited: a new route cannot ship open
 * to anyone, open to every role, or missing from the audit log.
 */
@Injectable()
export class RoutePolicyCheck implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const problems: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller) continue;
      const classGuards = (Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? [];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const where = `${controller.name}.${name}`;
        const guards = [...classGuards, ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[]) ?? [])];
        const role = Reflect.getMetadata(REQUIRED_ROLE, handler) ?? Reflect.getMetadata(REQUIRED_ROLE, controller);
        const isPublic =
          Reflect.getMetadata(PUBLIC_ROUTE, handler) !== undefined ||
          Reflect.getMetadata(PUBLIC_ROUTE, controller) !== undefined;
        if (!isPublic && !guards.some((guard) => AUTH_GUARDS.includes(guard))) {
          problems.push(`${where}: no auth guard and not @PublicRoute`);
        }
        if (guards.includes(AppAuthGuard) && role === undefined) problems.push(`${where}: no @RequiresRole`);
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
        if (MUTATING.has(method) && Reflect.getMetadata(AUDIT_SPEC, handler) === undefined) {
          problems.push(`${where}: mutating route without @Audited or @NotAudited`);
        }
      }
    }
    if (problems.length > 0) throw new RoutePolicyError(problems);
  }
}

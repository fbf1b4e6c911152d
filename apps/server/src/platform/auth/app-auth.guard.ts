import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  InternalServerErrorException,
  NotFoundException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppRole, roleIncludes } from '@jobnest/persistence';
import { AppDirectoryService } from './app-directory.service';
import { actorName, IdentityService, type Identity } from './identity.service';
import { REQUIRED_ROLE } from './required-role.decorator';
import type { AppPrincipal } from './token.service';

/** The header a user or the admin names the app of a request with (an app token already names its app). */
export const APP_HEADER = 'x-jobnest-app';

/** Who made a request and with which role in its app, for the audit log. */
export interface RequestActor {
  /** `app:billing`, `user:alice` or `admin:admin`. */
  name: string;
  /** The role the request was allowed with (undefined on server-level routes). */
  role?: AppRole;
}

export type AuthenticatedRequest = Request & { principal?: AppPrincipal; actor?: RequestActor };

/**
 * The app-scoped routes (jobs, instances, workflows, workers, grants, audit). It authenticates the request
 * (IdentityService), finds its app (an app token's own, else the X-Jobnest-App header), finds the caller's role
 * there (an app token is DEVELOPER, the server admin ADMIN, a user what the app grants), and refuses with 403 when
 * it is below the route's @RequiresRole.
 */
@Injectable()
export class AppAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly identities: IdentityService,
    private readonly apps: AppDirectoryService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const needed = this.reflector.getAllAndOverride<AppRole | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    // RoutePolicyCheck refuses to boot without one; this is the last line should it be bypassed.
    if (needed === undefined) throw new InternalServerErrorException('this route declares no required role');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const identity = await this.identities.authenticate(request);
    const { app, role } = await this.appAndRole(identity, request.headers[APP_HEADER]);
    if (!roleIncludes(role, needed)) {
      throw new ForbiddenException(`needs role ${needed} in app '${app.appName}' (${actorName(identity)} has ${role})`);
    }
    request.principal = app;
    request.actor = { name: actorName(identity), role };
    return true;
  }

  private async appAndRole(
    identity: Identity,
    header: string | string[] | undefined,
  ): Promise<{ app: AppPrincipal; role: AppRole }> {
    const named = typeof header === 'string' && header.length > 0 ? header : undefined;
    if (identity.kind === 'app') {
      if (named !== undefined && named !== identity.appName) {
        throw new ForbiddenException(`this token belongs to app '${identity.appName}', not '${named}'`);
      }
      return { app: { appId: identity.appId, appName: identity.appName }, role: AppRole.DEVELOPER };
    }
    if (named === undefined) {
      throw new BadRequestException(`${APP_HEADER}: name the app this request acts in (header X-Jobnest-App)`);
    }
    const app = await this.apps.byName(named);
    if (identity.kind === 'admin') {
      if (!app) throw new NotFoundException(`no app '${named}'`);
      return { app, role: AppRole.ADMIN };
    }
    // One answer for "no such app" and "not granted": a user does not learn which apps exist.
    const role = app ? identity.access.roles.get(app.appId) : undefined;
    if (!app || role === undefined)
      throw new ForbiddenException(`user '${identity.username}' has no role in app '${named}'`);
    return { app, role };
  }
}

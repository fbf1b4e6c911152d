import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Response } from 'express';
import { ServerConfig } from '../config/server-config';
import type { IdentifiedRequest } from './account.guard';
import { parseBasicAuthorization } from './admin-credentials';
import { BasicAuthLockout } from './basic-auth-lockout';
import { actorName, IdentityService, WrongBasicCredentialsError, type Identity } from './identity.service';

/**
 * Routes only the server admin may call: the admin's token (POST /auth/login as JOBNEST_ADMIN_USER) or
 * `Authorization: Basic` with JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD, whose wrong attempts BasicAuthLockout
 * limits per client IP.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly config: ServerConfig,
    private readonly identities: IdentityService,
    private readonly lockout: BasicAuthLockout,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.adminPassword === undefined) {
      throw new ForbiddenException('this server has no admin: set JOBNEST_ADMIN_PASSWORD to use the admin routes');
    }
    const http = context.switchToHttp();
    const request = http.getRequest<IdentifiedRequest>();
    const response = http.getResponse<Response>();
    if (parseBasicAuthorization(request.headers.authorization) !== undefined) {
      await this.lockout.assertAllowed(request.ip, response);
    }
    let identity: Identity;
    try {
      identity = await this.identities.authenticate(request, true);
    } catch (err) {
      if (!(err instanceof UnauthorizedException)) throw err;
      if (err instanceof WrongBasicCredentialsError) await this.lockout.recordFailure(request.ip);
      response.setHeader('WWW-Authenticate', 'Basic realm="jobnest-admin"');
      throw new UnauthorizedException(
        'needs the server admin: a token from POST /api/v1/auth/login as JOBNEST_ADMIN_USER, or Authorization: Basic with JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD',
      );
    }
    if (identity.kind !== 'admin')
      throw new ForbiddenException(`only the server admin may do this (${actorName(identity)} may not)`);
    request.identity = identity;
    request.actor = { name: actorName(identity) };
    return true;
  }
}

/** App registration: the admin, or anyone when JOBNEST_OPEN_REGISTRATION=1. */
@Injectable()
export class RegistrationGuard implements CanActivate {
  constructor(
    private readonly config: ServerConfig,
    private readonly admin: AdminAuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.openRegistration) {
      context.switchToHttp().getRequest<IdentifiedRequest>().actor = { name: 'anonymous' };
      return true;
    }
    return this.admin.canActivate(context);
  }
}

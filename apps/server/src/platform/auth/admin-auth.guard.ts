import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ServerConfig } from '../config/server-config';
import { isAdmin, parseBasicAuthorization } from './admin-credentials';

/** Routes only the server admin may call: `Authorization: Basic` with JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly config: ServerConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.adminPassword === undefined) {
      throw new ForbiddenException('this server has no admin: set JOBNEST_ADMIN_PASSWORD to use the admin routes');
    }
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (
      isAdmin(parseBasicAuthorization(request.headers.authorization), this.config.adminUser, this.config.adminPassword)
    )
      return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="jobnest-admin"');
    throw new UnauthorizedException(
      'needs the server admin credentials (Authorization: Basic, JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD)',
    );
  }
}

/** App registration: the admin, or anyone when JOBNEST_OPEN_REGISTRATION=1. */
@Injectable()
export class RegistrationGuard implements CanActivate {
  constructor(
    private readonly config: ServerConfig,
    private readonly admin: AdminAuthGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    return this.config.openRegistration || this.admin.canActivate(context);
  }
}

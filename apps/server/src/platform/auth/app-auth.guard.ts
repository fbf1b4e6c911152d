import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TokenService, type AppPrincipal } from './token.service';
import { TokenVersionsService } from './token-versions.service';

export type AuthenticatedRequest = Request & { principal?: AppPrincipal };

/**
 * Requires `Authorization: Bearer <accessToken>` and attaches the app it names to the request. A token whose
 * version is older than the app's (the password changed since) is refused like an expired one.
 */
@Injectable()
export class AppAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly versions: TokenVersionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedException('missing bearer token: send Authorization: Bearer <accessToken>');
    const token = this.tokens.verify(match[1]);
    if (!token || (await this.versions.current(token.appId)) !== token.tokenVersion) {
      throw new UnauthorizedException('invalid or expired access token');
    }
    request.principal = { appId: token.appId, appName: token.appName };
    return true;
  }
}

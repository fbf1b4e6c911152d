import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TokenService, type AppPrincipal } from './token.service';

export type AuthenticatedRequest = Request & { principal?: AppPrincipal };

/** Requires `Authorization: Bearer <accessToken>` and attaches the app it names to the request. */
@Injectable()
export class AppAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedException('missing bearer token: send Authorization: Bearer <accessToken>');
    const principal = this.tokens.verify(match[1]);
    if (!principal) throw new UnauthorizedException('invalid or expired access token');
    request.principal = principal;
    return true;
  }
}

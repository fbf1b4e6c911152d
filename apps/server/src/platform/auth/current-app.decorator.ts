import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './app-auth.guard';
import type { AppPrincipal } from './token.service';

/** The app of the request's token (routes behind AppAuthGuard). */
export const CurrentApp = createParamDecorator((_data: unknown, context: ExecutionContext): AppPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException('not authenticated');
  return principal;
});

import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './app-auth.guard';
import { actorName, IdentityService, type Identity } from './identity.service';

/** A request whose identity is checked (AccountGuard, AdminAuthGuard). */
export type IdentifiedRequest = AuthenticatedRequest & { identity?: Identity };

/** Routes of any signed-in caller that act on no app (GET /me): an app's, a user's or the admin's token. */
@Injectable()
export class AccountGuard implements CanActivate {
  constructor(private readonly identities: IdentityService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IdentifiedRequest>();
    request.identity = await this.identities.authenticate(request);
    request.actor = { name: actorName(request.identity) };
    return true;
  }
}

import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ServerConfig } from '../config/server-config';
import { constantTimeEquals, isAdmin, parseBasicAuthorization } from './admin-credentials';
import { TokenService } from './token.service';
import { TokenVersionsService } from './token-versions.service';
import { UserAccessService, type UserAccess } from './user-access.service';

/** Who sent a request, once its credentials are checked. */
export type Identity =
  | { kind: 'app'; appId: number; appName: string }
  | { kind: 'user'; userId: number; username: string; access: UserAccess }
  | { kind: 'admin'; username: string };

/** How the audit log and error messages name an identity: `app:billing`, `user:alice`, `admin:admin`. */
export function actorName(identity: Identity): string {
  return identity.kind === 'app'
    ? `app:${identity.appName}`
    : identity.kind === 'user'
      ? `user:${identity.username}`
      : `admin:${identity.username}`;
}

const INVALID_TOKEN = 'invalid or expired access token';

/** HTTP Basic with a pair that is not the admin's (counted by BasicAuthLockout). */
export class WrongBasicCredentialsError extends UnauthorizedException {
  constructor() {
    super('wrong admin credentials');
  }
}

/**
 * Checks a request's credentials: a bearer token (an app's, a user's or the admin's) whose version is still the
 * owner's current one, or the admin's username and password as HTTP Basic.
 */
@Injectable()
export class IdentityService {
  constructor(
    private readonly config: ServerConfig,
    private readonly tokens: TokenService,
    private readonly appVersions: TokenVersionsService,
    private readonly users: UserAccessService,
  ) {}

  /**
   * The request's identity; 401 when it has no credentials or wrong ones. The admin's HTTP Basic counts only where
   * `allowBasic` (the admin routes, which limit wrong attempts); elsewhere the admin logs in for a token.
   */
  async authenticate(request: Request, allowBasic = false): Promise<Identity> {
    const header = request.headers.authorization ?? '';
    const basic = parseBasicAuthorization(header);
    if (basic !== undefined) {
      if (!allowBasic) {
        throw new UnauthorizedException('send a bearer token (POST /api/v1/auth/login), not Basic credentials');
      }
      if (isAdmin(basic, this.config.adminUser, this.config.adminPassword)) {
        return { kind: 'admin', username: this.config.adminUser };
      }
      throw new WrongBasicCredentialsError();
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new UnauthorizedException('missing bearer token: send Authorization: Bearer <accessToken>');
    const claims = this.tokens.verify(match[1]);
    if (!claims) throw new UnauthorizedException(INVALID_TOKEN);
    switch (claims.kind) {
      case 'app':
        if ((await this.appVersions.current(claims.appId)) !== claims.tokenVersion) {
          throw new UnauthorizedException(INVALID_TOKEN);
        }
        return { kind: 'app', appId: claims.appId, appName: claims.appName };
      case 'user': {
        const access = await this.users.current(claims.userId);
        if (!access || access.tokenVersion !== claims.tokenVersion) throw new UnauthorizedException(INVALID_TOKEN);
        return { kind: 'user', userId: claims.userId, username: claims.username, access };
      }
      case 'admin': {
        const tag = this.tokens.adminCredentialTag();
        if (
          tag === undefined ||
          !constantTimeEquals(tag, claims.credentialTag) ||
          claims.username !== this.config.adminUser
        ) {
          throw new UnauthorizedException(INVALID_TOKEN);
        }
        return { kind: 'admin', username: claims.username };
      }
    }
  }
}

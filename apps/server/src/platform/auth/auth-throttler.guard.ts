import { createHash } from 'node:crypto';
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { ServerConfig } from '../config/server-config';
import type { RedisThrottlerStorage } from './redis-throttler-storage';

/** The throttler counting per client IP; 'default' makes the library's header plain `Retry-After`. */
const PER_IP = 'default';
/** The throttler counting per app name or username, whatever the IP: a botnet guessing one password is slowed too. */
const PER_APP = 'app';

/**
 * The account a credential request is about: an app's token and password change send `appName`, registration
 * `name`; a user's login and password change `username` (counted apart from app names).
 */
function accountOf(request: Request): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const params = request.params as Record<string, string | undefined> | undefined;
  if (typeof body?.username === 'string' && body.username.length > 0) return `user:${body.username.toLowerCase()}`;
  const name = body?.appName ?? body?.name ?? params?.name;
  return typeof name === 'string' && name.length > 0 ? name.toLowerCase() : undefined;
}

/**
 * One budget per IP (and per app name) shared by every credential route, so alternating between them does not
 * buy more guesses. The tracker is hashed: the key never holds a raw name or address.
 */
function sharedBudgetKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
  return `${throttlerName}:${createHash('sha256').update(tracker).digest('hex').slice(0, 32)}`;
}

/** Options of the credential routes' rate limits, from the server's settings. */
export function authThrottlerOptions(config: ServerConfig, storage: RedisThrottlerStorage): ThrottlerModuleOptions {
  return {
    storage,
    generateKey: sharedBudgetKey,
    errorMessage: 'too many attempts: wait for the time in the Retry-After header, then try again',
    throttlers: [
      { name: PER_IP, limit: config.authRateLimitPerIp, ttl: config.authRateWindowMs },
      {
        name: PER_APP,
        limit: config.authRateLimitPerApp,
        ttl: config.authRateWindowMs,
        getTracker: (req) => accountOf(req as Request) ?? '',
        skipIf: (context) => accountOf(context.switchToHttp().getRequest<Request>()) === undefined,
      },
    ],
  };
}

/**
 * The library's guard, plus a plain `Retry-After` whichever limit was hit (the library names the per-app one
 * `Retry-After-app`, which HTTP clients do not know).
 */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
    return super.throwThrottlingException(context, detail);
  }
}

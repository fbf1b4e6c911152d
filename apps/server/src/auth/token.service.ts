import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../config/server-config';

/** Who a request acts for: resolved from its bearer token. */
export interface AppPrincipal {
  appId: number;
  appName: string;
}

interface TokenPayload {
  a: number;
  n: string;
  e: number;
}

/**
 * Stateless API tokens: base64url(JSON payload) + "." + HMAC-SHA256 signature. Any server holding the same
 * JOBNEST_TOKEN_SECRET accepts them, so a client may talk to any server of a cluster.
 */
@Injectable()
export class TokenService {
  constructor(private readonly config: ServerConfig) {}

  issue(principal: AppPrincipal): { accessToken: string; expiresAt: number } {
    const expiresAt = Date.now() + this.config.tokenTtlMs;
    const payload: TokenPayload = { a: principal.appId, n: principal.appName, e: expiresAt };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { accessToken: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The token's app, or undefined when it is malformed, forged or expired. */
  verify(token: string): AppPrincipal | undefined {
    const [body, signature] = token.split('.');
    if (!body || !signature) return undefined;
    const expected = Buffer.from(this.sign(body));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as TokenPayload;
      if (typeof payload.a !== 'number' || typeof payload.n !== 'string' || payload.e < Date.now()) return undefined;
      return { appId: payload.a, appName: payload.n };
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.config.tokenSecret).update(body).digest('base64url');
  }
}

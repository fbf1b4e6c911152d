import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../config/server-config';

/** Who a request acts for: resolved from its bearer token. */
export interface AppPrincipal {
  appId: number;
  appName: string;
}

/** What a verified token says; the guard still checks `tokenVersion` against the app's current one. */
export interface VerifiedToken extends AppPrincipal {
  tokenVersion: number;
}

interface TokenPayload {
  /** app id */
  a: number;
  /** app name */
  n: string;
  /** the app's token version when issued */
  v: number;
  /** expiry, epoch ms */
  e: number;
}

/**
 * Clock difference between servers a token's expiry may show: a token from a server whose clock runs ahead is
 * still accepted, one claiming a longer life than the TTL allows is not.
 */
const CLOCK_SKEW_MS = 30_000;

/**
 * Stateless API tokens: base64url(JSON payload) + "." + HMAC-SHA256 signature. Any server holding the same
 * JOBNEST_TOKEN_SECRET accepts them, so a client may talk to any server of a cluster. A token carries its app's
 * token version, which a password change bumps (see AppAuthGuard).
 */
@Injectable()
export class TokenService {
  constructor(private readonly config: ServerConfig) {}

  issue(token: VerifiedToken): { accessToken: string; expiresAt: number } {
    const expiresAt = Date.now() + this.config.tokenTtlMs;
    const payload: TokenPayload = { a: token.appId, n: token.appName, v: token.tokenVersion, e: expiresAt };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { accessToken: `${body}.${this.sign(body)}`, expiresAt };
  }

  /**
   * The token's claims, or undefined when it is malformed, forged, expired, or expires later than a token issued
   * now could (a leaked secret must not mint tokens that outlive a TTL change).
   */
  verify(token: string): VerifiedToken | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    let payload: Partial<TokenPayload>;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Partial<TokenPayload>;
    } catch {
      return undefined;
    }
    const { a, n, v, e } = payload;
    if (!Number.isSafeInteger(a) || typeof n !== 'string' || !Number.isSafeInteger(v) || typeof e !== 'number')
      return undefined;
    const now = Date.now();
    if (e < now || e > now + this.config.tokenTtlMs + CLOCK_SKEW_MS) return undefined;
    return { appId: a as number, appName: n, tokenVersion: v as number };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.config.tokenSecret).update(body).digest('base64url');
  }
}

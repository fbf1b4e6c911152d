import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import {
  constantTimeEquals,
  isAdmin,
  parseBasicAuthorization,
  TokenService,
  ServerConfig,
} from '@jobnest/server/internal';

const SECRET = 'k'.repeat(32);

function rejects(env: Record<string, string>, message: RegExp): void {
  assert.throws(
    () => new ServerConfig(env),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  );
}

describe('server security settings', () => {
  it('refuses to boot without a token secret, saying how to make one', () => {
    rejects({}, /JOBNEST_TOKEN_SECRET is required.*randomBytes\(32\).*JOBNEST_DEV=1/);
  });

  it('refuses a secret shorter than 32 bytes, and the published development secret', () => {
    rejects({ JOBNEST_TOKEN_SECRET: 'k'.repeat(31) }, /JOBNEST_TOKEN_SECRET must be at least 32 bytes \(got 31\)/);
    rejects(
      { JOBNEST_TOKEN_SECRET: 'jobnest-development-secret-change-me' },
      /JOBNEST_TOKEN_SECRET is the published development secret/,
    );
  });

  it('boots in explicit development mode with a random secret per process', () => {
    const a = new ServerConfig({ JOBNEST_DEV: '1' });
    const b = new ServerConfig({ JOBNEST_DEV: 'true' });
    assert.equal(a.devMode, true);
    assert.equal(a.tokenSecretIsEphemeral, true);
    assert.ok(Buffer.byteLength(a.tokenSecret) >= 32);
    assert.notEqual(a.tokenSecret, b.tokenSecret);
    assert.equal(new ServerConfig({ JOBNEST_DEV: '1', JOBNEST_TOKEN_SECRET: SECRET }).tokenSecretIsEphemeral, false);
  });

  it('has closed defaults: no admin, no open registration, a read-only board, limits and quotas on', () => {
    const c = new ServerConfig({ JOBNEST_TOKEN_SECRET: SECRET });
    assert.equal(c.devMode, false);
    assert.equal(c.adminUser, 'admin');
    assert.equal(c.adminPassword, undefined);
    assert.equal(c.openRegistration, false);
    assert.equal(c.boardWrites, false);
    assert.equal(c.authRateLimitPerIp, 30);
    assert.equal(c.authRateLimitPerApp, 10);
    assert.equal(c.authRateWindowMs, 60_000);
    assert.equal(c.trustProxy, false);
    assert.equal(c.maxJobsPerApp, 1000);
    assert.equal(c.minTimerIntervalMs, 1000);
    assert.equal(c.tokenTtlMs, 86_400_000);
  });

  it('names bad security settings', () => {
    rejects(
      { JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_ADMIN_PASSWORD: 'admin' },
      /JOBNEST_ADMIN_PASSWORD must be at least 12 characters \(got 5\)/,
    );
    rejects(
      { JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_OPEN_REGISTRATION: 'sure' },
      /JOBNEST_OPEN_REGISTRATION must be 1 or 0/,
    );
    rejects({ JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_BOARD_WRITES: '2' }, /JOBNEST_BOARD_WRITES must be 1 or 0/);
    rejects(
      { JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_AUTH_RATE_LIMIT_PER_IP: '0' },
      /JOBNEST_AUTH_RATE_LIMIT_PER_IP must be between 1/,
    );
    rejects(
      { JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_MIN_TIMER_INTERVAL_MS: '10' },
      /JOBNEST_MIN_TIMER_INTERVAL_MS must be between 100/,
    );
  });

  it('reads the proxy trust as a hop count, a switch or a list of addresses', () => {
    const trust = (v: string) => new ServerConfig({ JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_TRUST_PROXY: v }).trustProxy;
    assert.equal(trust('2'), 2);
    assert.equal(trust('true'), true);
    assert.equal(trust('off'), false);
    assert.equal(trust('10.0.0.1, 10.0.0.2'), '10.0.0.1, 10.0.0.2');
  });
});

describe('API tokens', () => {
  const config = new ServerConfig({ JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_TOKEN_TTL_MS: '60000' });
  const tokens = new TokenService(config);
  const claims = { kind: 'app', appId: 7, appName: 'billing', tokenVersion: 3 } as const;

  /** A token signed with `secret` over any payload, as someone holding the secret could make. */
  function forge(payload: object, secret: string): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  }

  it('verifies what it issued, with the token version', () => {
    const { accessToken, expiresAt } = tokens.issue(claims);
    assert.deepEqual(tokens.verify(accessToken), claims);
    assert.ok(expiresAt > Date.now() + 59_000 && expiresAt <= Date.now() + 60_000);
  });

  it('rejects a tampered token and one signed with the old public default secret', () => {
    const { accessToken } = tokens.issue(claims);
    const [body, signature] = accessToken.split('.');
    const otherBody = Buffer.from(JSON.stringify({ a: 8, n: 'other', v: 3, e: Date.now() + 1000 })).toString(
      'base64url',
    );
    assert.equal(tokens.verify(`${otherBody}.${signature}`), undefined);
    assert.equal(tokens.verify(`${body}.${signature}x`), undefined);
    assert.equal(
      tokens.verify(forge({ a: 7, n: 'billing', v: 3, e: Date.now() + 1000 }, 'jobnest-development-secret-change-me')),
      undefined,
    );
  });

  it('rejects expired tokens and tokens that live longer than the TTL allows', () => {
    assert.equal(tokens.verify(forge({ a: 7, n: 'billing', v: 3, e: Date.now() - 1 }, SECRET)), undefined);
    assert.equal(
      tokens.verify(forge({ a: 7, n: 'billing', v: 3, e: Date.now() + 10 * 365 * 86_400_000 }, SECRET)),
      undefined,
    );
    // The old token shape (no version) never verifies: it was minted before versions existed.
    assert.equal(tokens.verify(forge({ a: 7, n: 'billing', e: Date.now() + 1000 }, SECRET)), undefined);
    assert.deepEqual(tokens.verify(forge({ a: 7, n: 'billing', v: 3, e: Date.now() + 50_000 }, SECRET)), claims);
  });

  it("tells a user's token from an app's, and refuses a kind it does not know", () => {
    const user = { kind: 'user', userId: 7, username: 'alice', tokenVersion: 2 } as const;
    assert.deepEqual(tokens.verify(tokens.issue(user).accessToken), user);
    // Same id and version as the app token above: only the kind tells them apart, and it is signed.
    assert.deepEqual(tokens.verify(forge({ k: 'u', a: 7, n: 'billing', v: 3, e: Date.now() + 1000 }, SECRET)), {
      kind: 'user',
      userId: 7,
      username: 'billing',
      tokenVersion: 3,
    });
    assert.equal(tokens.verify(forge({ k: 'x', a: 7, n: 'billing', v: 3, e: Date.now() + 1000 }, SECRET)), undefined);
    assert.equal(tokens.verify(forge({ k: 'u', n: 'alice', v: 3, e: Date.now() + 1000 }, SECRET)), undefined);
  });

  it("ties the admin's tokens to the admin's current password", () => {
    const withAdmin = (password: string): TokenService =>
      new TokenService(new ServerConfig({ JOBNEST_TOKEN_SECRET: SECRET, JOBNEST_ADMIN_PASSWORD: password }));
    const first = withAdmin('first-admin-password');
    const tag = first.adminCredentialTag()!;
    const admin = { kind: 'admin', username: 'admin', credentialTag: tag } as const;
    assert.deepEqual(first.verify(first.issue(admin).accessToken), admin);
    assert.equal(withAdmin('first-admin-password').adminCredentialTag(), tag);
    assert.notEqual(withAdmin('other-admin-password').adminCredentialTag(), tag);
    assert.ok(!tag.includes('first-admin-password'));
    assert.equal(tokens.adminCredentialTag(), undefined, 'no admin password, no admin tokens');
    assert.equal(tokens.verify(forge({ k: 's', n: 'admin', e: Date.now() + 1000 }, SECRET)), undefined);
  });
});

describe('admin credentials', () => {
  it('parses Basic authorization and compares both halves', () => {
    const header = `Basic ${Buffer.from('admin:pa:ss').toString('base64')}`;
    assert.deepEqual(parseBasicAuthorization(header), { username: 'admin', password: 'pa:ss' });
    assert.equal(parseBasicAuthorization('Bearer abc'), undefined);
    assert.equal(parseBasicAuthorization(undefined), undefined);
    assert.equal(isAdmin({ username: 'admin', password: 'pa:ss' }, 'admin', 'pa:ss'), true);
    assert.equal(isAdmin({ username: 'admin', password: 'pa:sS' }, 'admin', 'pa:ss'), false);
    assert.equal(isAdmin({ username: 'root', password: 'pa:ss' }, 'admin', 'pa:ss'), false);
    assert.equal(isAdmin({ username: 'admin', password: '' }, 'admin', undefined), false);
    assert.equal(constantTimeEquals('a', 'a'.repeat(100)), false);
    assert.equal(constantTimeEquals('same', 'same'), true);
  });
});

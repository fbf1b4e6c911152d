import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, EnvReader } from '@jobnest/common';
import { resolveWorkerOptions } from '@jobnest/worker';
import { ServerConfig } from '@jobnest/server/internal';
import { readWorkerEnv } from '@jobnest/worker-app/internal';

/** A secret of the minimum length: every server needs one outside development mode. */
const SECRET = { JOBNEST_TOKEN_SECRET: 's'.repeat(32) };

describe('ServerConfig', () => {
  it('has defaults that fit a local Redis and MySQL', () => {
    const c = new ServerConfig({ ...SECRET });
    assert.equal(c.port, 7700);
    assert.deepEqual(c.redis, { url: 'redis://127.0.0.1:6379', clusterNodes: [] });
    assert.equal(c.mysqlUrl, 'mysql://root@127.0.0.1:3306/jobnest');
    assert.equal(c.prefix, 'jobnest');
    assert.equal(c.adminPassword, undefined);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 1 and 65535/],
    [{ JOBNEST_REDIS_URL: 'localhost:6379' }, /JOBNEST_REDIS_URL must (be a URL|use redis)/],
    [{ JOBNEST_MYSQL_URL: 'postgres://x/y' }, /JOBNEST_MYSQL_URL must use mysql or mariadb/],
    [{ JOBNEST_MYSQL_URL: 'mysql://root@127.0.0.1:3306/' }, /JOBNEST_MYSQL_URL must name a database/],
    [{ JOBNEST_PREFIX: 'has space' }, /JOBNEST_PREFIX must be 1-64 characters/],
    [{ JOBNEST_WORKER_TIMEOUT_MS: '10' }, /JOBNEST_WORKER_TIMEOUT_MS must be between 1000/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${JSON.stringify(env)} naming the setting`, () => {
      assert.throws(
        () => new ServerConfig({ ...SECRET, ...env }),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});

describe('configuration errors never show a password', () => {
  const PASSWORD = 'hunter2';

  /** Runs `read`, expecting a ConfigError naming `setting` that matches `problem` and does not contain the password. */
  function assertHidden(read: () => unknown, setting: string, problem: RegExp, password = PASSWORD): void {
    assert.throws(read, (err: unknown) => {
      assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
      assert.ok(err.message.includes(setting), `does not name ${setting}: ${err.message}`);
      assert.match(err.message, problem);
      assert.ok(!err.message.includes(password), `shows the password: ${err.message}`);
      return true;
    });
  }

  const server: [string, Record<string, string>, RegExp, string?][] = [
    [
      'a MySQL URL that does not parse',
      { JOBNEST_MYSQL_URL: `mysql://root:${PASSWORD}@[bad` },
      /must be a URL like .*root:\*\*\*@\[bad/,
    ],
    ['a Redis URL that does not parse', { JOBNEST_REDIS_URL: `redis://:${PASSWORD}@[bad` }, /must be a URL like/],
    ['a password holding @', { JOBNEST_REDIS_URL: 'redis://default:hunter@2@[bad' }, /must be a URL like/, 'hunter@2'],
    ['a URL whose host was forgotten', { JOBNEST_MYSQL_URL: `mysql://root:${PASSWORD}` }, /must be a URL like/],
    [
      'a URL of the wrong scheme',
      { JOBNEST_MYSQL_URL: `postgres://root:${PASSWORD}@db:5432/jobnest` },
      /must use mysql or mariadb/,
    ],
    ['a bad value of a *TOKEN* setting', { JOBNEST_TOKEN_TTL_MS: PASSWORD }, /must be a whole number/],
  ];
  for (const [what, env, problem, password] of server) {
    it(`server: ${what}`, () => {
      const setting = Object.keys(env)[0]!;
      assertHidden(() => new ServerConfig({ ...SECRET, ...env }), setting, problem, password);
    });
  }

  it('worker host: a MySQL URL that does not parse', () => {
    const env = {
      JOBNEST_APP_NAME: 'a',
      JOBNEST_APP_PASSWORD: 'p',
      JOBNEST_MYSQL_URL: `mysql://root:${PASSWORD}@[bad`,
    };
    assertHidden(() => readWorkerEnv(env), 'JOBNEST_MYSQL_URL', /must be a URL like/);
  });

  it('worker SDK options: a Redis URL that does not parse', () => {
    assertHidden(
      () => resolveWorkerOptions({ appName: 'a', password: 'p', redisUrl: `redis://:${PASSWORD}@[bad` }),
      'redisUrl',
      /must be a URL like/,
    );
  });

  it('hides any value of a setting named *PASSWORD*, *SECRET* or *TOKEN*', () => {
    const reader = new EnvReader({
      X_PASSWORD_TRIES: PASSWORD,
      X_SECRET_PREFIX: `${PASSWORD} !`,
      X_TOKEN_ON: PASSWORD,
    });
    assertHidden(() => reader.int('X_PASSWORD_TRIES', 1, 0), 'X_PASSWORD_TRIES', /must be a whole number/);
    assertHidden(() => reader.prefix('X_SECRET_PREFIX', 'p'), 'X_SECRET_PREFIX', /must be 1-64 characters/);
    assertHidden(() => reader.bool('X_TOKEN_ON', false), 'X_TOKEN_ON', /must be 1 or 0/);
  });

  it('still shows an ordinary bad value, and a URL without its password', () => {
    assert.throws(
      () => new ServerConfig({ ...SECRET, PORT: 'eighty' }),
      /PORT must be a whole number \(got 'eighty'\)/,
    );
    assert.throws(
      () => new ServerConfig({ ...SECRET, JOBNEST_REDIS_URL: `http://user:${PASSWORD}@cache:6379` }),
      /JOBNEST_REDIS_URL must use redis or rediss:\/\/ \(got 'http:\/\/user:\*\*\*@cache:6379'\)/,
    );
  });
});

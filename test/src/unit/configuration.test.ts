import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { ServerConfig } from '../../../apps/server/dist/config/server-config';

describe('ServerConfig', () => {
  it('has defaults that fit a local Redis and MySQL', () => {
    const c = new ServerConfig({});
    assert.equal(c.port, 7700);
    assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
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
      assert.throws(() => new ServerConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }
});

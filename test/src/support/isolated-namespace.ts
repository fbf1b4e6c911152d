import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.JOBNEST_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MYSQL_ROOT_URL = process.env.JOBNEST_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * A database and a Redis key prefix of one test file's own, so test files never see each other's data;
 * `drop()` removes both.
 */
export class TestNamespace {
  readonly id = `${process.pid}_${randomBytes(3).toString('hex')}`;
  readonly database = `jobnest_test_${this.id}`;
  readonly prefix = `jt_${this.id}`;
  readonly mysqlUrl: string;

  constructor(
    readonly redisUrl = REDIS_URL,
    private readonly mysqlRootUrl = MYSQL_ROOT_URL,
  ) {
    this.mysqlUrl = `${mysqlRootUrl}/${this.database}`;
  }

  async drop(): Promise<void> {
    const conn = await createConnection(`${this.mysqlRootUrl}/`);
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${this.database}\``);
    } finally {
      await conn.end();
    }
    const redis = new Redis(this.redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}

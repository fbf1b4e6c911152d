import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';

/**
 * Owns the server's Redis connections: one shared for plain commands, plus one per blocking reader
 * (XREAD / XREADGROUP BLOCK hold their connection), all closed at shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly commands: Redis;
  private readonly dedicated: Redis[] = [];

  constructor(private readonly config: ServerConfig) {
    this.commands = createRedisConnection(config.redisUrl, `jobnest-server:${config.serverId}`);
    this.commands.on('error', () => undefined); // reconnects by itself; readers log their own failures
  }

  /** A new connection for one blocking reader. */
  dedicatedConnection(purpose: string): Redis {
    const conn = createRedisConnection(this.config.redisUrl, `jobnest-server:${this.config.serverId}:${purpose}`);
    conn.on('error', () => undefined);
    this.dedicated.push(conn);
    return conn;
  }

  onApplicationShutdown(): void {
    for (const conn of [...this.dedicated, this.commands]) conn.disconnect();
  }
}

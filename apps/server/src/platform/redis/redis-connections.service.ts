import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createRedisConnection, type RedisClient } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';

/**
 * Owns the server's Redis connections: one shared for plain commands, plus one per blocking reader
 * (XREAD / XREADGROUP BLOCK hold their connection), all closed at shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly commands: RedisClient;
  private readonly dedicated: RedisClient[] = [];

  constructor(private readonly config: ServerConfig) {
    this.commands = createRedisConnection(config.redis, `jobnest-server:${config.serverId}`);
    this.commands.on('error', () => undefined); // reconnects by itself; readers log their own failures
  }

  /** A new connection for one blocking reader. */
  dedicatedConnection(purpose: string): RedisClient {
    const conn = createRedisConnection(this.config.redis, `jobnest-server:${this.config.serverId}:${purpose}`);
    conn.on('error', () => undefined);
    this.dedicated.push(conn);
    return conn;
  }

  /** True on a Redis Cluster: readers then read one lane (one hash tag) per command. */
  get isCluster(): boolean {
    return this.config.redis.clusterNodes.length > 0;
  }

  onApplicationShutdown(): void {
    for (const conn of [...this.dedicated, this.commands]) conn.disconnect();
  }
}

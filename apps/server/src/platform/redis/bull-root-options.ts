import type { QueueOptions } from 'bullmq';
import type { ServerConfig } from '../config/server-config';

/**
 * BullMQ's settings for the server's own queues and their workers (BullModule.forRootAsync): connection settings,
 * not a connection, so every Queue and Worker opens and closes its own (a worker also its blocking one), and the
 * key prefix. The same reconnect behaviour as createRedisConnection (@jobnest/transport): commands wait for a
 * reconnect instead of failing.
 */
export function bullRootOptions(config: ServerConfig): QueueOptions {
  return {
    connection: {
      url: config.redisUrl,
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      connectionName: `jobnest-server:${config.serverId}:bullmq`,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
    },
    prefix: config.prefix,
  };
}

import type { QueueOptions } from 'bullmq';
import { createRedisConnection } from '@jobnest/transport';
import type { ServerConfig } from '../config/server-config';

/**
 * BullMQ's settings for the server's own queues and their workers (BullModule.forRootAsync), under the system hash
 * tag (`<prefix>:{sys}`). On a single Redis: connection settings, not a connection, so every Queue and Worker opens
 * and closes its own (a worker also its blocking one), with the same reconnect behaviour as createRedisConnection.
 * On a cluster BullMQ needs a Cluster instance: it duplicates it for each Queue and Worker.
 */
export function bullRootOptions(config: ServerConfig): QueueOptions {
  const name = `jobnest-server:${config.serverId}:bullmq`;
  return {
    connection:
      config.redis.clusterNodes.length > 0
        ? createRedisConnection(config.redis, name)
        : {
            url: config.redis.url,
            maxRetriesPerRequest: null,
            enableReadyCheck: true,
            connectionName: name,
            retryStrategy: (times: number) => Math.min(times * 200, 2000),
          },
    prefix: config.keys.system,
  };
}

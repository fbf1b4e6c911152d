import {
  SERVER_CONSUMER_GROUP,
  StreamGroupConsumer,
  streamNames,
  type StreamGroupConsumerOptions,
} from '@jobnest/transport';
import type { ServerConfig } from '../platform/config/server-config';
import type { RedisConnections } from '../platform/redis/redis-connections.service';

/** What differs between the server's report consumers; the group, consumer name and dead-letter stream do not. */
export type ServerConsumerSpec<T> = Pick<
  StreamGroupConsumerOptions<T>,
  'stream' | 'decode' | 'handle' | 'logger' | 'batchSize'
>;

/**
 * A started consumer of one report stream in the servers' consumer group, on a connection of its own, named after
 * this server (so the others can claim what it leaves pending if it dies).
 */
export function startServerStreamConsumer<T>(
  config: ServerConfig,
  connections: RedisConnections,
  purpose: string,
  spec: ServerConsumerSpec<T>,
): StreamGroupConsumer<T> {
  const consumer = new StreamGroupConsumer<T>({
    ...spec,
    redis: connections.dedicatedConnection(purpose),
    group: SERVER_CONSUMER_GROUP,
    consumer: config.serverId,
    deadLetterStream: streamNames(config.prefix).deadLetter,
    claimIdleMs: config.streamClaimIdleMs,
  });
  consumer.start();
  return consumer;
}

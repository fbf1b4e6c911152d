import {
  SERVER_CONSUMER_GROUP,
  StreamGroupConsumer,
  type AppStreamKind,
  type StreamGroupConsumerOptions,
} from '@jobnest/transport';
import type { ServerConfig } from '../platform/config/server-config';
import { LaneReaders } from '../platform/redis/lane-readers';
import type { RedisConnections } from '../platform/redis/redis-connections.service';
import type { ReportStreams } from '../platform/redis/report-streams.service';
import type { ServerBeats } from '../platform/redis/server-beats.service';

/** What differs between the server's report consumers; the group, consumer name and dead-letter stream do not. */
export type ServerConsumerSpec<T> = Pick<StreamGroupConsumerOptions<T>, 'decode' | 'handle' | 'logger' | 'batchSize'>;

/**
 * Started consumers of one kind of report stream (every app's) in the servers' consumer group: one on a single
 * Redis, one per lane on a cluster. Each has a connection of its own and is named after this server, so the others
 * can claim what it leaves pending if it dies: at once when its beats stop (ServerBeats), after
 * JOBNEST_STREAM_CLAIM_IDLE_MS for a consumer that never beat (a server of an older version).
 */
export function startServerStreamConsumers<T>(
  config: ServerConfig,
  connections: RedisConnections,
  streams: ReportStreams,
  beats: ServerBeats,
  kind: AppStreamKind,
  spec: ServerConsumerSpec<T>,
): LaneReaders<StreamGroupConsumer<T>> {
  const readers = new LaneReaders(
    streams,
    kind,
    (group, list) =>
      new StreamGroupConsumer<T>({
        ...spec,
        streams: list,
        mayCreate: (stream) => streams.mayCreate(stream),
        redis: connections.dedicatedConnection(`${kind}-${group}`),
        group: SERVER_CONSUMER_GROUP,
        consumer: config.serverId,
        deadLetterStream: config.keys.deadLetter,
        claimIdleMs: config.streamClaimIdleMs,
        deadConsumers: async (consumers) => beats.deadAmong(consumers),
      }),
  );
  readers.start();
  return readers;
}

import {
  startLocalRedisCluster as start,
  type LocalRedisCluster,
  type LocalRedisClusterOptions,
} from '../../../tools/process-harness/dist/redis-cluster';
import { binary } from './private-services';

export type { LocalRedisCluster, RedisClusterNode } from '../../../tools/process-harness/dist/redis-cluster';

/** A local Redis Cluster (tools/process-harness) from the redis-server and redis-cli the tests find (private-services). */
export function startLocalRedisCluster(
  options: Omit<LocalRedisClusterOptions, 'redisServer' | 'redisCli'> = {},
): Promise<LocalRedisCluster> {
  return start({ ...options, redisServer: binary('redis-server'), redisCli: binary('redis-cli') });
}

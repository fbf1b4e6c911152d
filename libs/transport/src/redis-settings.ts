import { ConfigError, EnvReader } from '@jobnest/common';
import { parseClusterNodes, targetOfUrl, type RedisTarget } from './redis-connection';

/**
 * Reads where Redis is, the same way for servers and workers:
 * - `JOBNEST_REDIS_URL`: `redis://` or `rediss://` URL of one Redis, or of a cluster when it names several
 *   `host:port` (`redis://user:pass@h1:7001,h2:7002`). (Default: `fallback`)
 * - `JOBNEST_REDIS_CLUSTER_NODES`: `host:port` of some cluster nodes, comma-separated; when set, Redis is a cluster
 *   and the URL gives only its user, password and TLS. (Default: unset: no cluster)
 * Throws a ConfigError naming the setting that is wrong.
 */
export function readRedisTarget(reader: EnvReader, fallback: string): RedisTarget {
  const target = targetOfUrl(reader.string('JOBNEST_REDIS_URL', fallback));
  const nodes = reader.optionalString('JOBNEST_REDIS_CLUSTER_NODES');
  // The first host stands for the URL's scheme, user and password: check them as one URL.
  new EnvReader({ JOBNEST_REDIS_URL: target.url }).url('JOBNEST_REDIS_URL', fallback, ['redis', 'rediss']);
  if (nodes === undefined) return target;
  try {
    return { url: target.url, clusterNodes: parseClusterNodes(nodes) };
  } catch (err) {
    throw new ConfigError('JOBNEST_REDIS_CLUSTER_NODES', `must be host:port,host:port,... (${(err as Error).message})`);
  }
}

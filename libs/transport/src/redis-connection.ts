import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/** A connection to a single Redis or to a Redis Cluster: every Jobnest key is hash-tagged for the latter. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server (`url`), or the seed nodes of a cluster (credentials and TLS from `url`). */
export interface RedisTarget {
  /** `redis://` or `rediss://` URL: the server, or for a cluster its user, password and TLS. */
  url: string;
  /** `host:port` of some cluster nodes; empty for a single Redis. */
  clusterNodes: readonly string[];
}

/** The ioredis settings of every Jobnest connection (a cluster applies them to each node connection). */
function redisConnectionOptions(name: string, extra: RedisOptions): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  };
}

/**
 * A Redis connection for Jobnest. `maxRetriesPerRequest: null` is what BullMQ workers and blocking stream reads
 * need: commands wait for a reconnect instead of failing, so a Redis restart does not crash a loop. On a cluster,
 * commands sent while a failed master's replica is promoted are retried (MOVED / CLUSTERDOWN) rather than failed.
 */
export function createRedisConnection(target: RedisTarget, name: string, extra: RedisOptions = {}): RedisClient {
  if (target.clusterNodes.length === 0) return new Redis(target.url, redisConnectionOptions(name, extra));
  const auth = new URL(target.url);
  return new Cluster(target.clusterNodes.map(parseNode), {
    redisOptions: {
      ...redisConnectionOptions(name, extra),
      username: auth.username ? decodeURIComponent(auth.username) : undefined,
      password: auth.password ? decodeURIComponent(auth.password) : undefined,
      tls: auth.protocol === 'rediss:' ? {} : undefined,
    },
    enableReadyCheck: true,
    // A replica takes over a SIGKILLed master in 3-5 s. With ioredis' defaults (16 redirections 100 ms apart) a
    // command sent meanwhile fails with "Too many Cluster redirections"; these let it wait (~19 s) and succeed.
    clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 300,
    maxRedirections: 64,
    // ioredis 6 refreshes the slot map only on errors unless told to: a moved slot is then learnt before it hurts.
    slotsRefreshInterval: 5000,
  });
}

function parseNode(node: string): ClusterNode {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/**
 * `host:port` entries of a cluster node list, checked: returns the list, or throws a RangeError that says which
 * entry is wrong (the caller names the setting).
 */
export function parseClusterNodes(value: string): string[] {
  const nodes = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const node of nodes) {
    const at = node.lastIndexOf(':');
    const port = Number(node.slice(at + 1));
    if (at < 1 || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new RangeError(`'${node}' is not host:port`);
    }
  }
  return nodes;
}

/**
 * What a Redis URL names: a cluster when it lists several `host:port` (`redis://user:pass@h1:7001,h2:7002`; the URL
 * keeps the first host, for its scheme, user and password), else the one Redis. A URL of any other form (not even
 * a URL, a bad node) comes back as it is, a single Redis: the caller checks `url` and names the setting.
 */
export function targetOfUrl(url: string): RedisTarget {
  const m = /^(rediss?:\/\/)([^@/]*@)?([^/?#]*)(.*)$/.exec(url);
  const hosts = m?.[3]?.split(',') ?? [];
  if (!m || hosts.length < 2) return { url, clusterNodes: [] };
  try {
    return { url: `${m[1]}${m[2] ?? ''}${hosts[0]}${m[4]}`, clusterNodes: parseClusterNodes(hosts.join(',')) };
  } catch {
    return { url, clusterNodes: [] };
  }
}

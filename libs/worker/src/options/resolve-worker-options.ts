import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  ConfigError,
  DEFAULT_MYSQL_URL,
  DEFAULT_PREFIX,
  DEFAULT_REDIS_URL,
  redactUrlCredentials,
} from '@jobnest/common';
import { databaseName } from '@jobnest/persistence';
import { WORKER_ID_PATTERN } from '@jobnest/transport';
import { parseClusterNodes, targetOfUrl, type RedisTarget } from '@jobnest/transport';
import type { JobnestWorkerOptions, ResolvedWorkerOptions } from './jobnest-worker-options';

export const WORKER_OPTION_DEFAULTS = {
  redisUrl: DEFAULT_REDIS_URL,
  mysqlUrl: DEFAULT_MYSQL_URL,
  prefix: DEFAULT_PREFIX,
  maxConcurrentInstances: 16,
  heartbeatIntervalMs: 2000,
  logFlushIntervalMs: 200,
  logBufferMaxBytes: 16 * 1024 * 1024,
  statusResendIntervalMs: 3000,
  databaseRetryWindowMs: 300_000,
} as const;

const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const TAG_PATTERN = /^[^,\s][^,]{0,63}$/;

/** `<hostname>-<pid>-<4 random hex>`, with characters a queue name cannot hold replaced by `-`. */
export function defaultWorkerId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .slice(0, 60) || 'worker';
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

/** Applies defaults and checks every option; throws a ConfigError naming the first bad one. */
export function resolveWorkerOptions(options: JobnestWorkerOptions | null | undefined): ResolvedWorkerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'must be an object with at least appName and password');
  }
  const appName = requiredString(options.appName, 'appName', 100);
  const password = requiredString(options.password, 'password', 1000);
  const redis = resolveRedis(options);
  const redisUrl = redis.url;
  const mysqlUrl = url(options.mysqlUrl ?? WORKER_OPTION_DEFAULTS.mysqlUrl, 'mysqlUrl', ['mysql']);
  databaseName(mysqlUrl, 'mysqlUrl');

  const prefix = options.prefix ?? WORKER_OPTION_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(
      'prefix',
      `must be 1-64 characters of letters, digits, '-', '_' or '.' (got '${String(prefix)}')`,
    );
  }

  const workerId = options.workerId ?? defaultWorkerId();
  if (typeof workerId !== 'string' || !WORKER_ID_PATTERN.test(workerId)) {
    throw new ConfigError(
      'workerId',
      `must be 1-100 characters of letters, digits, '-', '_' or '.' (got '${String(workerId)}')`,
    );
  }

  const tags = options.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && TAG_PATTERN.test(t))) {
    throw new ConfigError('tags', 'must be a list of non-empty strings of at most 64 characters without commas');
  }

  const serverUrl = options.serverUrl === undefined ? null : plainHttpUrl(options.serverUrl, 'serverUrl');

  return {
    appName,
    password,
    serverUrl,
    redisUrl,
    redis,
    redisClusterNodes: [...redis.clusterNodes],
    mysqlUrl,
    prefix,
    workerId,
    tags: [...new Set(tags)],
    maxConcurrentInstances: int(
      options.maxConcurrentInstances,
      'maxConcurrentInstances',
      WORKER_OPTION_DEFAULTS.maxConcurrentInstances,
      1,
      100_000,
    ),
    heartbeatIntervalMs: int(
      options.heartbeatIntervalMs,
      'heartbeatIntervalMs',
      WORKER_OPTION_DEFAULTS.heartbeatIntervalMs,
      100,
      60_000,
    ),
    logFlushIntervalMs: int(
      options.logFlushIntervalMs,
      'logFlushIntervalMs',
      WORKER_OPTION_DEFAULTS.logFlushIntervalMs,
      10,
      60_000,
    ),
    logBufferMaxBytes: int(
      options.logBufferMaxBytes,
      'logBufferMaxBytes',
      WORKER_OPTION_DEFAULTS.logBufferMaxBytes,
      1024 * 1024,
      1024 * 1024 * 1024,
    ),
    statusResendIntervalMs: int(
      options.statusResendIntervalMs,
      'statusResendIntervalMs',
      WORKER_OPTION_DEFAULTS.statusResendIntervalMs,
      100,
      600_000,
    ),
    databaseRetryWindowMs: int(
      options.databaseRetryWindowMs,
      'databaseRetryWindowMs',
      WORKER_OPTION_DEFAULTS.databaseRetryWindowMs,
      1000,
      86_400_000,
    ),
  };
}

function requiredString(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(name, 'is required (a non-empty string)');
  if (value.length > maxLength) throw new ConfigError(name, `must be at most ${maxLength} characters`);
  return value;
}

function url(value: unknown, name: string, protocols: string[]): string {
  const example = `${protocols[0]}://host:port`;
  if (typeof value !== 'string') throw new ConfigError(name, `must be a URL like ${example}`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL like ${example} (got '${redactUrlCredentials(value)}')`);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigError(name, `must use ${protocols.join(':// or ')}:// (got '${parsed.protocol}//...')`);
  }
  return value;
}

/** An http(s) base URL without user info, query or fragment: the worker sends the app's password there. */
function plainHttpUrl(value: unknown, name: string): string {
  const checked = url(value, name, ['http', 'https']);
  const parsed = new URL(checked);
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new ConfigError(name, `must be a plain base URL like https://jobnest.example.com (no user, query or #)`);
  }
  return checked;
}

function int(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number between ${min} and ${max} (got ${String(value)})`);
  }
  return value;
}

/** `redisUrl` (one or several nodes) and `redisClusterNodes`, checked; a ConfigError names the bad option. */
function resolveRedis(options: JobnestWorkerOptions): RedisTarget {
  const target = targetOfUrl(options.redisUrl ?? WORKER_OPTION_DEFAULTS.redisUrl);
  url(target.url, 'redisUrl', ['redis', 'rediss']);
  const nodes = options.redisClusterNodes;
  if (nodes === undefined || nodes.length === 0) return target;
  if (!Array.isArray(nodes) || !nodes.every((n) => typeof n === 'string')) {
    throw new ConfigError('redisClusterNodes', 'must be a list of host:port strings');
  }
  try {
    return { url: target.url, clusterNodes: parseClusterNodes(nodes.join(',')) };
  } catch (err) {
    throw new ConfigError('redisClusterNodes', (err as Error).message);
  }
}

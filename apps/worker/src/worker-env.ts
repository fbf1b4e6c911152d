import { ConfigError, DEFAULT_MYSQL_URL, DEFAULT_PREFIX, DEFAULT_REDIS_URL, EnvReader } from '@jobnest/common';
import { WORKER_ID_PATTERN, type JobnestWorkerOptions } from '@jobnest/worker';

/** Nest log levels by JOBNEST_LOG_LEVEL: `debug` also shows every processor log line. */
const LOG_LEVELS = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  log: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
} as const;

export type WorkerLogLevel = keyof typeof LOG_LEVELS;

export interface WorkerHostSettings {
  worker: JobnestWorkerOptions;
  logLevels: (typeof LOG_LEVELS)[WorkerLogLevel];
}

/** Reads the worker host's settings from the environment; throws a ConfigError naming the variable. */
export function readWorkerEnv(env: Record<string, string | undefined> = process.env): WorkerHostSettings {
  const reader = new EnvReader(env);
  const appName = reader.optionalString('JOBNEST_APP_NAME');
  if (appName === undefined) throw new ConfigError('JOBNEST_APP_NAME', 'is required (the app this worker runs jobs of)');
  const password = reader.optionalString('JOBNEST_APP_PASSWORD');
  if (password === undefined) throw new ConfigError('JOBNEST_APP_PASSWORD', "is required (the app's password)");
  const workerId = reader.optionalString('JOBNEST_WORKER_ID');
  if (workerId !== undefined && !WORKER_ID_PATTERN.test(workerId)) {
    throw new ConfigError('JOBNEST_WORKER_ID', `must be 1-100 characters of letters, digits, '-', '_' or '.' (got '${workerId}')`);
  }
  const logLevel = reader.string('JOBNEST_LOG_LEVEL', 'log');
  if (!(logLevel in LOG_LEVELS)) {
    throw new ConfigError('JOBNEST_LOG_LEVEL', `must be one of ${Object.keys(LOG_LEVELS).join(', ')} (got '${logLevel}')`);
  }
  return {
    worker: {
      appName,
      password,
      redisUrl: reader.url('JOBNEST_REDIS_URL', DEFAULT_REDIS_URL, ['redis', 'rediss']),
      mysqlUrl: reader.url('JOBNEST_MYSQL_URL', DEFAULT_MYSQL_URL, ['mysql']),
      prefix: reader.prefix('JOBNEST_PREFIX', DEFAULT_PREFIX),
      workerId,
      tags: reader.list('JOBNEST_WORKER_TAGS'),
      maxConcurrentInstances: reader.int('JOBNEST_MAX_CONCURRENT_INSTANCES', 16, 1, 100_000),
      heartbeatIntervalMs: reader.int('JOBNEST_HEARTBEAT_INTERVAL_MS', 2000, 100, 60_000),
    },
    logLevels: LOG_LEVELS[logLevel as WorkerLogLevel],
  };
}

import { ConfigError, DEFAULT_MYSQL_URL, DEFAULT_PREFIX, DEFAULT_REDIS_URL, EnvReader } from '@jobnest/common';
import { HostAllowList } from '@jobnest/http-guard';
import { readRedisTarget, WORKER_ID_PATTERN, type JobnestWorkerOptions } from '@jobnest/worker';
import type { HttpProcessorSettings } from './processors/http/http-processor-settings';
import { parseEnvPassthrough } from './processors/shell/shell-child-env';
import { parseAllowedCommands } from './processors/shell/shell-command-policy';
import type { ShellProcessorSettings } from './processors/shell/shell-processor-settings';

/** Nest log levels by JOBNEST_LOG_LEVEL: `debug` also shows every processor log line. */
const LOG_LEVELS = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  log: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
} as const;

export type WorkerLogLevel = keyof typeof LOG_LEVELS;

/** The built-in processors this host registers: each is off (undefined) unless its JOBNEST_ENABLE_* switch is on. */
export interface BuiltInProcessorSettings {
  shell: ShellProcessorSettings | undefined;
  http: HttpProcessorSettings | undefined;
}

export interface WorkerHostSettings {
  worker: JobnestWorkerOptions;
  logLevels: (typeof LOG_LEVELS)[WorkerLogLevel];
  builtIns: BuiltInProcessorSettings;
}

/** Reads the worker host's settings from the environment; throws a ConfigError naming the variable. */
export function readWorkerEnv(env: Record<string, string | undefined> = process.env): WorkerHostSettings {
  const reader = new EnvReader(env);
  const appName = reader.optionalString('JOBNEST_APP_NAME');
  if (appName === undefined)
    throw new ConfigError('JOBNEST_APP_NAME', 'is required (the app this worker runs jobs of)');
  const password = reader.optionalString('JOBNEST_APP_PASSWORD');
  if (password === undefined) throw new ConfigError('JOBNEST_APP_PASSWORD', "is required (the app's password)");
  const workerId = reader.optionalString('JOBNEST_WORKER_ID');
  if (workerId !== undefined && !WORKER_ID_PATTERN.test(workerId)) {
    throw new ConfigError(
      'JOBNEST_WORKER_ID',
      `must be 1-100 characters of letters, digits, '-', '_' or '.' (got '${workerId}')`,
    );
  }
  const logLevel = reader.string('JOBNEST_LOG_LEVEL', 'log');
  if (!(logLevel in LOG_LEVELS)) {
    throw new ConfigError(
      'JOBNEST_LOG_LEVEL',
      `must be one of ${Object.keys(LOG_LEVELS).join(', ')} (got '${logLevel}')`,
    );
  }
  const redis = readRedisTarget(reader, DEFAULT_REDIS_URL);
  // Set: the app is checked by that server at boot, and the worker's MySQL user needs the task table alone.
  const serverUrl =
    reader.optionalString('JOBNEST_SERVER_URL') === undefined
      ? undefined
      : reader.url('JOBNEST_SERVER_URL', 'http://127.0.0.1:7700', ['http', 'https']);
  return {
    worker: {
      appName,
      password,
      ...(serverUrl === undefined ? {} : { serverUrl }),
      redisUrl: redis.url,
      redisClusterNodes: [...redis.clusterNodes],
      mysqlUrl: reader.url('JOBNEST_MYSQL_URL', DEFAULT_MYSQL_URL, ['mysql']),
      prefix: reader.prefix('JOBNEST_PREFIX', DEFAULT_PREFIX),
      workerId,
      tags: reader.list('JOBNEST_WORKER_TAGS'),
      maxConcurrentInstances: reader.int('JOBNEST_MAX_CONCURRENT_INSTANCES', 16, 1, 100_000),
      heartbeatIntervalMs: reader.int('JOBNEST_HEARTBEAT_INTERVAL_MS', 2000, 100, 60_000),
    },
    logLevels: LOG_LEVELS[logLevel as WorkerLogLevel],
    builtIns: readBuiltInSettings(reader),
  };
}

/**
 * Settings of the built-in processors. They are checked even when their processor is off, so a mistake shows at
 * boot rather than on the day the processor is switched on.
 */
function readBuiltInSettings(reader: EnvReader): BuiltInProcessorSettings {
  /** JOBNEST_ENABLE_SHELL: register `shell`, which runs any app's job params as a command on this host. (Default: 0) */
  const shellEnabled = reader.bool('JOBNEST_ENABLE_SHELL', false);
  /** JOBNEST_ENABLE_HTTP: register `http`, which sends requests from this host's network. (Default: 0) */
  const httpEnabled = reader.bool('JOBNEST_ENABLE_HTTP', false);
  /** JOBNEST_SHELL_ALLOWED_COMMANDS: first words a shell command may start with. (Default: unset, any command) */
  const allowedCommands =
    reader.optionalString('JOBNEST_SHELL_ALLOWED_COMMANDS') === undefined
      ? undefined
      : parseAllowedCommands('JOBNEST_SHELL_ALLOWED_COMMANDS', reader.list('JOBNEST_SHELL_ALLOWED_COMMANDS'));
  /** JOBNEST_SHELL_ENV_PASSTHROUGH: more variables a shell command sees. (Default: none) */
  const envPassthrough = parseEnvPassthrough(
    'JOBNEST_SHELL_ENV_PASSTHROUGH',
    reader.list('JOBNEST_SHELL_ENV_PASSTHROUGH'),
  );
  /** JOBNEST_HTTP_ALLOWED_HOSTS: non-public hosts, IPs or CIDRs `http` may reach. (Default: none) */
  const allowedHosts = HostAllowList.parse('JOBNEST_HTTP_ALLOWED_HOSTS', reader.list('JOBNEST_HTTP_ALLOWED_HOSTS'));
  return {
    shell: shellEnabled ? { allowedCommands, envPassthrough } : undefined,
    http: httpEnabled ? { allowedHosts } : undefined,
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_MYSQL_URL, DEFAULT_PREFIX, DEFAULT_REDIS_URL, EnvReader } from '@jobnest/common';
import { databaseName } from '@jobnest/persistence';
import { KeyLayout, readRedisTarget, type RedisTarget } from '@jobnest/transport';
import { readAlarmSettings, type AlarmSettings } from './alarm-settings';

/** Every setting of the server, read once from the environment at boot. */
export class ServerConfig {
  /** HTTP port. PORT (Default: 7700) */
  readonly port: number;
  /**
   * Where Redis is: JOBNEST_REDIS_URL (Default: redis://127.0.0.1:6379), a cluster when it names several nodes or
   * when JOBNEST_REDIS_CLUSTER_NODES is set (see readRedisTarget).
   */
  readonly redis: RedisTarget;
  /** Where every key lives (hash tags per app, per worker and for the system keys), from JOBNEST_PREFIX. */
  readonly keys: KeyLayout;
  /** JOBNEST_MYSQL_URL; the database is created when missing. (Default: mysql://root@127.0.0.1:3306/jobnest) */
  readonly mysqlUrl: string;
  /** Prefix of every Redis key and BullMQ queue. JOBNEST_PREFIX (Default: jobnest) */
  readonly prefix: string;
  /**
   * Development mode: the server boots without JOBNEST_TOKEN_SECRET (a random secret per process: tokens die with
   * it and work on this server only) and warns at boot. JOBNEST_DEV (Default: 0)
   */
  readonly devMode: boolean;
  /**
   * HMAC secret of API tokens, at least 32 bytes; every server of a cluster needs the same. Required unless
   * JOBNEST_DEV=1. JOBNEST_TOKEN_SECRET (Default: none)
   */
  readonly tokenSecret: string;
  /** True when JOBNEST_DEV made up the secret for this process. */
  readonly tokenSecretIsEphemeral: boolean;
  /** JOBNEST_TOKEN_TTL_MS (Default: 86400000 = 24 h) */
  readonly tokenTtlMs: number;
  /** The server admin: creates apps, resets their passwords, opens bull-board. JOBNEST_ADMIN_USER (Default: admin) */
  readonly adminUser: string;
  /** At least 12 characters; unset, nobody is admin (no bull-board, no app registration). JOBNEST_ADMIN_PASSWORD (Default: none) */
  readonly adminPassword: string | undefined;
  /** Anyone may create an app through POST /api/v1/apps without admin credentials. JOBNEST_OPEN_REGISTRATION (Default: 0) */
  readonly openRegistration: boolean;
  /**
   * Folder of the built web console, served at /console; when it holds no index.html the console is not served
   * (a warning at boot). JOBNEST_CONSOLE_DIR (Default: apps/console/dist of this checkout)
   */
  readonly consoleDir: string;
  /** Audit log entries older than this are deleted; 0 keeps them all. JOBNEST_AUDIT_RETENTION_MS (Default: 7776000000 = 90 days) */
  readonly auditRetentionMs: number;
  /** bull-board may retry, remove, pause or clean jobs; off, it is read-only. JOBNEST_BOARD_WRITES (Default: 0) */
  readonly boardWrites: boolean;
  /** Attempts on the credential routes (token, app creation, password change) per client IP per window. JOBNEST_AUTH_RATE_LIMIT_PER_IP (Default: 30) */
  readonly authRateLimitPerIp: number;
  /** Attempts on the credential routes per app name per window, whatever the IP. JOBNEST_AUTH_RATE_LIMIT_PER_APP (Default: 10) */
  readonly authRateLimitPerApp: number;
  /** Window of both limits above; a client over a limit waits out the window (429, Retry-After). JOBNEST_AUTH_RATE_WINDOW_MS (Default: 60000) */
  readonly authRateWindowMs: number;
  /**
   * Express `trust proxy`: behind a reverse proxy, the client IP (for rate limits) comes from X-Forwarded-For.
   * A hop count, `true`/`false`, or a comma list of proxy addresses. JOBNEST_TRUST_PROXY (Default: false)
   */
  readonly trustProxy: boolean | number | string;
  /** Quota: jobs one app may have. JOBNEST_MAX_JOBS_PER_APP (Default: 1000) */
  readonly maxJobsPerApp: number;
  /**
   * Quota: the shortest gap between two slots of a timed job (FIXED_RATE and FIXED_DELAY periods, CRON and daily
   * intervals alike). JOBNEST_MIN_TIMER_INTERVAL_MS (Default: 1000)
   */
  readonly minTimerIntervalMs: number;
  /** A worker is dead after this long without a heartbeat. JOBNEST_WORKER_TIMEOUT_MS (Default: 15000) */
  readonly workerTimeoutMs: number;
  /** An instance with no eligible worker waits this long, then fails. JOBNEST_NO_WORKER_GRACE_MS (Default: 60000) */
  readonly noWorkerGraceMs: number;
  /** A dispatched instance not reported RUNNING within this is dispatched again. JOBNEST_RECEIVE_TIMEOUT_MS (Default: 10000) */
  readonly receiveTimeoutMs: number;
  /** Period of the reconciliation pass. JOBNEST_RECONCILE_INTERVAL_MS (Default: 1000) */
  readonly reconcileIntervalMs: number;
  /** A timer slot older than this when its trigger is processed is skipped as a misfire. JOBNEST_MISFIRE_THRESHOLD_MS (Default: 10000) */
  readonly misfireThresholdMs: number;
  /** Period of the rebuild of every timer from MySQL (on the lease holder). JOBNEST_TIMER_RECONCILE_INTERVAL_MS (Default: 10000) */
  readonly timerReconcileIntervalMs: number;
  /**
   * Largest JSON size of a workflow instance's context, and of the keys one node adds to it, in bytes: a node over
   * it fails with that reason. JOBNEST_WORKFLOW_CONTEXT_MAX_BYTES (Default: 65536)
   */
  readonly workflowContextMaxBytes: number;
  /** Deepest chain of nested workflows (a workflow running a workflow...). JOBNEST_WORKFLOW_MAX_NESTING (Default: 5) */
  readonly workflowMaxNesting: number;
  /**
   * Stream entries pending this long with another server are claimed, whether it is known to be dead or not (a server
   * of an older version does not beat). JOBNEST_STREAM_CLAIM_IDLE_MS (Default: 15000)
   */
  readonly streamClaimIdleMs: number;
  /**
   * A server that has not beaten for this long (it beats every second) is dead: the stream entries it left pending
   * are claimed by another at once. JOBNEST_SERVER_DEAD_AFTER_MS (Default: 5000)
   */
  readonly serverDeadAfterMs: number;
  /**
   * Task rows of an instance finished longer ago than this are deleted; 0 keeps them until their instance goes.
   * JOBNEST_TASK_RETENTION_MS (Default: 604800000 = 7 days)
   */
  readonly taskRetentionMs: number;
  /**
   * Finished instances that ended longer ago than this are deleted with their log lines and task rows; unfinished
   * instances never are. 0 keeps them forever. JOBNEST_INSTANCE_RETENTION_MS (Default: 2592000000 = 30 days)
   */
  readonly instanceRetentionMs: number;
  /** Online log lines older than this are deleted, running instances' included. 0 keeps them forever. JOBNEST_LOG_RETENTION_MS (Default: 604800000 = 7 days) */
  readonly logRetentionMs: number;
  /**
   * The command queue of a worker not seen for this long (and not alive) is removed from Redis with the jobs left on
   * it. JOBNEST_WORKER_QUEUE_RETENTION_MS (Default: 3600000 = 1 h)
   */
  readonly workerQueueRetentionMs: number;
  /** Period of the retention pass (tasks, instances, log lines, worker queues) on the lease holder. JOBNEST_RETENTION_INTERVAL_MS (Default: 60000) */
  readonly retentionIntervalMs: number;
  /** Alarm channels, SMTP and delivery (see AlarmSettings for each JOBNEST_ALARM_* and JOBNEST_SMTP_* setting). */
  readonly alarms: AlarmSettings;
  /** Unique id of this server process (consumer name, lease owner). */
  readonly serverId: string;

  constructor(env: Record<string, string | undefined> = process.env) {
    const r = new EnvReader(env);
    this.port = r.int('PORT', 7700, 1, 65535);
    this.redis = readRedisTarget(r, DEFAULT_REDIS_URL);
    this.mysqlUrl = r.url('JOBNEST_MYSQL_URL', DEFAULT_MYSQL_URL, ['mysql', 'mariadb']);
    databaseName(this.mysqlUrl);
    this.prefix = r.prefix('JOBNEST_PREFIX', DEFAULT_PREFIX);
    this.keys = new KeyLayout(this.prefix);
    this.devMode = r.bool('JOBNEST_DEV', false);
    const secret = readTokenSecret(r, this.devMode);
    this.tokenSecretIsEphemeral = secret === undefined;
    this.tokenSecret = secret ?? randomBytes(32).toString('base64url');
    this.tokenTtlMs = r.int('JOBNEST_TOKEN_TTL_MS', 86_400_000, 1000, 365 * 86_400_000);
    this.adminUser = r.string('JOBNEST_ADMIN_USER', 'admin');
    this.adminPassword = r.optionalString('JOBNEST_ADMIN_PASSWORD');
    if (this.adminPassword !== undefined && this.adminPassword.length < MIN_ADMIN_PASSWORD_LENGTH) {
      throw new ConfigError(
        'JOBNEST_ADMIN_PASSWORD',
        `must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters (got ${this.adminPassword.length})`,
      );
    }
    this.openRegistration = r.bool('JOBNEST_OPEN_REGISTRATION', false);
    this.boardWrites = r.bool('JOBNEST_BOARD_WRITES', false);
    this.consoleDir = r.string('JOBNEST_CONSOLE_DIR', resolve(__dirname, '../../../../console/dist'));
    this.auditRetentionMs = r.int('JOBNEST_AUDIT_RETENTION_MS', 90 * 24 * 3600 * 1000, 0);
    this.authRateLimitPerIp = r.int('JOBNEST_AUTH_RATE_LIMIT_PER_IP', 30, 1, 1_000_000);
    this.authRateLimitPerApp = r.int('JOBNEST_AUTH_RATE_LIMIT_PER_APP', 10, 1, 1_000_000);
    this.authRateWindowMs = r.int('JOBNEST_AUTH_RATE_WINDOW_MS', 60_000, 1000, 86_400_000);
    this.trustProxy = readTrustProxy(r);
    this.maxJobsPerApp = r.int('JOBNEST_MAX_JOBS_PER_APP', 1000, 1, 10_000_000);
    this.minTimerIntervalMs = r.int('JOBNEST_MIN_TIMER_INTERVAL_MS', 1000, 100, 86_400_000);
    this.workerTimeoutMs = r.int('JOBNEST_WORKER_TIMEOUT_MS', 15_000, 1000);
    this.noWorkerGraceMs = r.int('JOBNEST_NO_WORKER_GRACE_MS', 60_000, 0);
    this.receiveTimeoutMs = r.int('JOBNEST_RECEIVE_TIMEOUT_MS', 10_000, 500);
    this.reconcileIntervalMs = r.int('JOBNEST_RECONCILE_INTERVAL_MS', 1000, 100);
    this.misfireThresholdMs = r.int('JOBNEST_MISFIRE_THRESHOLD_MS', 10_000, 1000);
    this.timerReconcileIntervalMs = r.int('JOBNEST_TIMER_RECONCILE_INTERVAL_MS', 10_000, 500);
    this.workflowContextMaxBytes = r.int('JOBNEST_WORKFLOW_CONTEXT_MAX_BYTES', 65_536, 1024, 8_388_608);
    this.workflowMaxNesting = r.int('JOBNEST_WORKFLOW_MAX_NESTING', 5, 1, 100);
    this.streamClaimIdleMs = r.int('JOBNEST_STREAM_CLAIM_IDLE_MS', 15_000, 1000);
    this.serverDeadAfterMs = r.int('JOBNEST_SERVER_DEAD_AFTER_MS', 5000, 3000, 3_600_000);
    this.taskRetentionMs = r.int('JOBNEST_TASK_RETENTION_MS', 7 * 24 * 3600 * 1000, 0);
    this.instanceRetentionMs = r.int('JOBNEST_INSTANCE_RETENTION_MS', 30 * 24 * 3600 * 1000, 0);
    this.logRetentionMs = r.int('JOBNEST_LOG_RETENTION_MS', 7 * 24 * 3600 * 1000, 0);
    this.workerQueueRetentionMs = r.int('JOBNEST_WORKER_QUEUE_RETENTION_MS', 3600 * 1000, 1000);
    this.retentionIntervalMs = r.int('JOBNEST_RETENTION_INTERVAL_MS', 60_000, 100, 86_400_000);
    this.alarms = readAlarmSettings(r);
    this.serverId = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  }
}

/** Bytes of entropy an HMAC-SHA256 key needs to be as strong as the hash. */
export const MIN_TOKEN_SECRET_BYTES = 32;
export const MIN_ADMIN_PASSWORD_LENGTH = 12;
/** The secret earlier versions fell back to: it is public, so a token signed with it must never verify. */
const PUBLISHED_DEVELOPMENT_SECRET = 'jobnest-development-secret-change-me';

/** JOBNEST_TOKEN_SECRET, or undefined in development mode without one; refuses a missing or weak secret otherwise. */
function readTokenSecret(r: EnvReader, devMode: boolean): string | undefined {
  const secret = r.optionalString('JOBNEST_TOKEN_SECRET');
  const howTo = "make one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"";
  if (secret === undefined) {
    if (devMode) return undefined;
    throw new ConfigError(
      'JOBNEST_TOKEN_SECRET',
      `is required: the HMAC secret of API tokens, at least ${MIN_TOKEN_SECRET_BYTES} bytes and the same on every server; ${howTo} (or set JOBNEST_DEV=1 on a development machine)`,
    );
  }
  if (secret === PUBLISHED_DEVELOPMENT_SECRET) {
    throw new ConfigError(
      'JOBNEST_TOKEN_SECRET',
      `is the published development secret, which anyone can sign tokens with; ${howTo}`,
    );
  }
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_TOKEN_SECRET_BYTES) {
    throw new ConfigError(
      'JOBNEST_TOKEN_SECRET',
      `must be at least ${MIN_TOKEN_SECRET_BYTES} bytes (got ${bytes}); ${howTo}`,
    );
  }
  return secret;
}

function readTrustProxy(r: EnvReader): boolean | number | string {
  const value = r.optionalString('JOBNEST_TRUST_PROXY');
  if (value === undefined) return false;
  if (/^\d+$/.test(value)) return r.int('JOBNEST_TRUST_PROXY', 0, 0, 100);
  if (/^(true|false|1|0|yes|no|on|off)$/i.test(value)) return r.bool('JOBNEST_TRUST_PROXY', false);
  return value;
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_MYSQL_URL, DEFAULT_PREFIX, DEFAULT_REDIS_URL, EnvReader } from '@jobnest/common';
import { databaseName } from '@jobnest/persistence';

/** Every setting of the server, read once from the environment at boot. */
export class ServerConfig {
  /** HTTP port. PORT (Default: 7700) */
  readonly port: number;
  /** JOBNEST_REDIS_URL (Default: redis://127.0.0.1:6379) */
  readonly redisUrl: string;
  /** JOBNEST_MYSQL_URL; the database is created when missing. (Default: mysql://root@127.0.0.1:3306/jobnest) */
  readonly mysqlUrl: string;
  /** Prefix of every Redis key and BullMQ queue. JOBNEST_PREFIX (Default: jobnest) */
  readonly prefix: string;
  /** HMAC secret of API tokens; every server of a cluster needs the same. JOBNEST_TOKEN_SECRET (Default: a fixed development secret, with a warning) */
  readonly tokenSecret: string;
  readonly tokenSecretIsDefault: boolean;
  /** JOBNEST_TOKEN_TTL_MS (Default: 86400000 = 24 h) */
  readonly tokenTtlMs: number;
  /** bull-board at /admin/queues is served only when JOBNEST_ADMIN_PASSWORD is set. JOBNEST_ADMIN_USER (Default: admin) */
  readonly adminUser: string;
  readonly adminPassword: string | undefined;
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
  /** Stream entries pending this long with a dead server are claimed by another. JOBNEST_STREAM_CLAIM_IDLE_MS (Default: 15000) */
  readonly streamClaimIdleMs: number;
  /** Task rows of an instance finished longer ago than this are deleted. JOBNEST_TASK_RETENTION_MS (Default: 604800000 = 7 days) */
  readonly taskRetentionMs: number;
  /** Unique id of this server process (consumer name, lease owner). */
  readonly serverId: string;

  constructor(env: Record<string, string | undefined> = process.env) {
    const r = new EnvReader(env);
    this.port = r.int('PORT', 7700, 1, 65535);
    this.redisUrl = r.url('JOBNEST_REDIS_URL', DEFAULT_REDIS_URL, ['redis', 'rediss']);
    this.mysqlUrl = r.url('JOBNEST_MYSQL_URL', DEFAULT_MYSQL_URL, ['mysql', 'mariadb']);
    databaseName(this.mysqlUrl);
    this.prefix = r.prefix('JOBNEST_PREFIX', DEFAULT_PREFIX);
    const secret = r.optionalString('JOBNEST_TOKEN_SECRET');
    this.tokenSecretIsDefault = secret === undefined;
    this.tokenSecret = secret ?? 'jobnest-development-secret-change-me';
    this.tokenTtlMs = r.int('JOBNEST_TOKEN_TTL_MS', 86_400_000, 1000);
    this.adminUser = r.string('JOBNEST_ADMIN_USER', 'admin');
    this.adminPassword = r.optionalString('JOBNEST_ADMIN_PASSWORD');
    this.workerTimeoutMs = r.int('JOBNEST_WORKER_TIMEOUT_MS', 15_000, 1000);
    this.noWorkerGraceMs = r.int('JOBNEST_NO_WORKER_GRACE_MS', 60_000, 0);
    this.receiveTimeoutMs = r.int('JOBNEST_RECEIVE_TIMEOUT_MS', 10_000, 500);
    this.reconcileIntervalMs = r.int('JOBNEST_RECONCILE_INTERVAL_MS', 1000, 100);
    this.misfireThresholdMs = r.int('JOBNEST_MISFIRE_THRESHOLD_MS', 10_000, 1000);
    this.timerReconcileIntervalMs = r.int('JOBNEST_TIMER_RECONCILE_INTERVAL_MS', 10_000, 500);
    this.streamClaimIdleMs = r.int('JOBNEST_STREAM_CLAIM_IDLE_MS', 15_000, 1000);
    this.taskRetentionMs = r.int('JOBNEST_TASK_RETENTION_MS', 7 * 24 * 3600 * 1000, 0);
    this.serverId = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  }
}

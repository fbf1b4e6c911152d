import type { RedisTarget } from '@jobnest/transport';
import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';

/** Options of `JobnestWorkerModule.forRoot()`; every option is checked at boot (ConfigError naming the option). */
export interface JobnestWorkerOptions {
  /** Name of the app registered on the Jobnest server; the worker runs only this app's jobs. (Required) */
  appName: string;

  /** The app's password; checked once at boot against the app's stored hash. (Required) */
  password: string;

  /**
   * Redis that carries every Jobnest message: one Redis, or a Redis Cluster when the URL names several nodes
   * (`redis://user:pass@h1:7001,h2:7002`). (Default: `redis://127.0.0.1:6379`)
   */
  redisUrl?: string;

  /**
   * `host:port` of some Redis Cluster nodes: Redis is a cluster, and `redisUrl` gives only its user, password and
   * TLS. (Default: `[]`: no cluster, unless `redisUrl` names several nodes)
   */
  redisClusterNodes?: string[];

  /**
   * A Jobnest server's base URL (`http://host:7700`): the app's credentials are checked there once at boot, so the
   * worker's MySQL user needs the `task` table alone (README "A MySQL user for workers"). (Default: unset: they are
   * checked against the app table in MySQL)
   */
  serverUrl?: string;

  /**
   * MySQL/MariaDB database of the Jobnest server: the task table of Map/MapReduce/Broadcast runs, and the app's
   * credentials at boot unless `serverUrl` is set. (Default: `mysql://root@127.0.0.1:3306/jobnest`)
   */
  mysqlUrl?: string;

  /** Prefix of every Redis key and of the BullMQ queues; must match the server's. (Default: `'jobnest'`) */
  prefix?: string;

  /**
   * Identity of this worker in the cluster and name of its command queue (`jobnest-worker-<workerId>`): letters,
   * digits, `-`, `_`, `.`, at most 100. Give a stable id to let a restarted worker pick up commands sent while it was
   * away. (Default: `<hostname>-<pid>-<4 random hex>`)
   */
  workerId?: string;

  /** Tags the server can dispatch on (jobs may designate workers by tag). (Default: `[]`) */
  tags?: string[];

  /** How many instances this worker accepts at once; sent with every heartbeat for the server's overload filter. (Default: `16`) */
  maxConcurrentInstances?: number;

  /** Milliseconds between heartbeats; the server considers a worker dead after a few missed ones. (Default: `2000`) */
  heartbeatIntervalMs?: number;

  /** Milliseconds between two shipments of processor log lines (a shipment also leaves at once at 100 lines). (Default: `200`) */
  logFlushIntervalMs?: number;

  /**
   * Most bytes of processor log lines held while they wait to be shipped (UTF-8 size of the messages plus ~100 bytes
   * a line), between 1 MiB and 1 GiB. When Redis is unreachable and the buffer is full, later lines are dropped until a
   * shipment succeeds; each instance's log then gets a line "N log lines dropped", and the worker logs a warning once
   * per burst. A single line is cut to 16,384 characters. (Default: `16777216` = 16 MiB)
   */
  logBufferMaxBytes?: number;

  /** Milliseconds between re-sends of a final instance status the server has not acknowledged yet. (Default: `3000`) */
  statusResendIntervalMs?: number;

  /**
   * Milliseconds a task-table statement of a Map/MapReduce/Broadcast run (a result write, a ctx.map() insert, a read)
   * is tried again while MySQL is unreachable or restarting, with a growing pause; the run waits meanwhile and keeps
   * its unwritten results. Past it the error fails the run. Between 1000 and 86400000. (Default: `300000` = 5 min)
   */
  databaseRetryWindowMs?: number;
}

/** Options of `JobnestWorkerModule.forRootAsync()`: the options come from a factory with injected dependencies. */
export interface JobnestWorkerAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers to inject into `useFactory`, in argument order. (Default: `[]`) */
  inject?: FactoryProvider['inject'];
  /** Builds the options; may be async. (Required) */
  useFactory: (...args: never[]) => JobnestWorkerOptions | Promise<JobnestWorkerOptions>;
}

/** Options after defaults and validation. */
export type ResolvedWorkerOptions = Omit<Required<JobnestWorkerOptions>, 'serverUrl'> & {
  /** The server that checks the app's credentials, or null: MySQL's app table does. */
  serverUrl: string | null;
  /** Where Redis is, from `redisUrl` and `redisClusterNodes`. */
  redis: RedisTarget;
};

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { JobnestClient } from '@jobnest/client';
import { BASELINE_WORKER_MAIN, BENCH_WORKER_MAIN, PROFILE_PRELOAD, REPO_ROOT, SERVER_MAIN } from '../paths';
import { freePort } from '../../../tools/process-harness/dist/free-port';
import { startProcess, type ManagedProcess } from '../../../tools/process-harness/dist/managed-process';
import type { RolePids } from './cpu-cost';
import { commandDelta, counterDelta, mysqlCounters, redisCommandStats, type CommandDelta } from './redis-stats';
import { summarizeProfile, type ProfileSummary } from '../profiling/summarize-profile';

/** A server or worker that has not said it is ready by then did not start. */
const BOOT_TIMEOUT_MS = 60_000;
/** The bench server's admin, made up per run: it registers the bench app. */
const BENCH_ADMIN = { username: 'admin', password: randomBytes(12).toString('base64url') };

export const REDIS_URL = process.env.JOBNEST_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MYSQL_ROOT_URL = process.env.JOBNEST_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** One queue of a BullMQ baseline process: one `Worker` on it, BullMQ's default concurrency 1 unless given. */
export interface BaselineQueueSpec {
  queue: string;
  concurrency?: number;
}

/** A BullMQ baseline worker process; scenarios naming the same process share it (their queues are merged). */
export interface BaselineProcessSpec {
  /** Process name in logs and errors, e.g. `bullmq-worker`; also the key two scenarios share a process by. */
  name: string;
  queues: BaselineQueueSpec[];
}

/** The processes a scenario needs besides the server; the bench starts the union for all selected scenarios. */
export interface ProcessNeeds {
  /** Jobnest worker processes (bench worker host), each with its own JOBNEST_WORKER_ID. At least 1 always runs. */
  jobnestWorkers?: number;
  baselineProcesses?: BaselineProcessSpec[];
}

/** The union of several scenarios' needs: the most Jobnest workers asked, every baseline process by name. */
export function mergeNeeds(list: readonly ProcessNeeds[]): Required<ProcessNeeds> {
  const processes = new Map<string, Map<string, BaselineQueueSpec>>();
  for (const needs of list) {
    for (const p of needs.baselineProcesses ?? []) {
      const queues = processes.get(p.name) ?? new Map<string, BaselineQueueSpec>();
      for (const q of p.queues) {
        const seen = queues.get(q.queue);
        if (seen && (seen.concurrency ?? 1) !== (q.concurrency ?? 1)) {
          throw new Error(
            `baseline queue ${q.queue} of ${p.name} is declared with concurrency ${seen.concurrency ?? 1} and ${q.concurrency ?? 1}`,
          );
        }
        queues.set(q.queue, q);
      }
      processes.set(p.name, queues);
    }
  }
  return {
    jobnestWorkers: Math.max(1, ...list.map((n) => n.jobnestWorkers ?? 1)),
    baselineProcesses: [...processes].map(([name, queues]) => ({ name, queues: [...queues.values()] })),
  };
}

/** A Jobnest worker process of the bench and the id it registered with. */
export interface JobnestWorkerProcess {
  workerId: string;
  process: ManagedProcess;
}

export interface EnvironmentOptions {
  /** Echo the child processes' output on stderr. */
  verbose: boolean;
  /** Directory for CPU profiles; undefined: no profiling. */
  profileDir?: string;
  log(message: string): void;
  /**
   * A Redis Cluster to run on instead of the machine's Redis (`host:port` of its nodes): the server and the workers
   * get JOBNEST_REDIS_CLUSTER_NODES. Its keys are not deleted by close(): the cluster is its starter's to stop.
   * (Default: the machine's Redis)
   */
  redisClusterNodes?: string[];
  /** Appended to the database, prefix and app names, so two environments of one bench run do not collide. (Default: '') */
  idSuffix?: string;
}

/** What `--profile` measured around one Jobnest phase. */
export interface PhaseProfile {
  label: string;
  /** Runs (or fires) of the phase, for per-run figures. */
  runs?: number;
  wallMs: number;
  cpuProfiles: ProfileSummary[];
  /** Redis commands run meanwhile (all clients of the machine's Redis). */
  redisCommands: CommandDelta[];
  /** MariaDB server-wide counters meanwhile. */
  mysql: Record<string, number>;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Everything one bench run uses, on the machine's Redis and MariaDB: a database (`jobnest_bench_<pid>`) and a Redis
 * prefix (`jb_<pid>`) of its own, a real server, N Jobnest worker hosts (bench processors) and the BullMQ baseline
 * processes the selected scenarios asked for ({@link ProcessNeeds}), all started once by `start()`. `close()` stops
 * every process and removes the database and the keys; it is safe to call twice.
 */
export class BenchEnvironment {
  readonly id: string;
  readonly database: string;
  readonly prefix: string;
  readonly mysqlUrl: string;
  readonly redisUrl: string;
  readonly appName: string;
  readonly appPassword = `bench-${Math.random().toString(36).slice(2)}`;
  /** Id of the first Jobnest worker (the only one unless a scenario asked for more). */
  readonly jobnestWorkerId: string;

  server: ManagedProcess | undefined;
  /** Every Jobnest worker process, the first one with {@link jobnestWorkerId}. */
  readonly jobnestWorkers: JobnestWorkerProcess[] = [];
  /** Every BullMQ baseline process, by name. */
  readonly baselineProcesses = new Map<string, ManagedProcess>();
  baseUrl = '';
  client!: JobnestClient;
  /** A Redis connection for the bench itself (stats, baseline producers). */
  redis!: Redis | Cluster;

  private readonly queues = new Map<string, Queue>();
  private started = false;
  private closing: Promise<void> | undefined;
  private profileRound = 0;

  constructor(private readonly options: EnvironmentOptions) {
    this.id = `${process.pid}${options.idSuffix ?? ''}`;
    this.database = `jobnest_bench_${this.id}`;
    this.prefix = `jb_${this.id}`;
    this.mysqlUrl = `${MYSQL_ROOT_URL}/${this.database}`;
    this.redisUrl = options.redisClusterNodes ? `redis://${options.redisClusterNodes[0]}` : REDIS_URL;
    this.appName = `bench_${this.id}`;
    this.jobnestWorkerId = `bench-worker-${this.id}`;
  }

  /** JOBNEST_REDIS_* of the server and the workers. */
  private get redisEnv(): Record<string, string> {
    const nodes = this.options.redisClusterNodes;
    return {
      JOBNEST_REDIS_URL: this.redisUrl,
      ...(nodes ? { JOBNEST_REDIS_CLUSTER_NODES: nodes.join(',') } : {}),
    };
  }

  /** The first Jobnest worker process. */
  get worker(): ManagedProcess | undefined {
    return this.jobnestWorkers[0]?.process;
  }

  /** Ids of every Jobnest worker process. */
  get jobnestWorkerIds(): string[] {
    return this.jobnestWorkers.map((w) => w.workerId);
  }

  /**
   * Job fields that keep a single-worker scenario on the first Jobnest worker when the run started more than one
   * (so dispatch and timers measure the same thing whichever scenarios were selected); nothing otherwise.
   */
  firstWorkerOnly(): { dispatchStrategy?: 'SPECIFY'; designatedWorkers?: string[] } {
    return this.jobnestWorkers.length > 1
      ? { dispatchStrategy: 'SPECIFY', designatedWorkers: [this.jobnestWorkerId] }
      : {};
  }

  /**
   * Starts the server, registers the app, starts `needs.jobnestWorkers` Jobnest worker processes and the baseline
   * processes, and waits until every one of them is consuming.
   */
  async start(needs: Required<ProcessNeeds> = mergeNeeds([])): Promise<void> {
    this.started = true;
    const nodes = this.options.redisClusterNodes;
    this.redis = nodes
      ? new Cluster(nodes.map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) })))
      : new Redis(this.redisUrl, { lazyConnect: false });
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.options.log(`starting the server on port ${port} (database ${this.database}, Redis prefix ${this.prefix})`);
    this.server = this.spawn('server', SERVER_MAIN, {
      PORT: String(port),
      JOBNEST_MYSQL_URL: this.mysqlUrl,
      ...this.redisEnv,
      JOBNEST_PREFIX: this.prefix,
      JOBNEST_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      JOBNEST_ADMIN_PASSWORD: BENCH_ADMIN.password,
      // The timers scenario runs a 100 ms FIXED_RATE job, below the default quota.
      JOBNEST_MIN_TIMER_INTERVAL_MS: '100',
    });
    await this.server.waitFor(/ready on http/, BOOT_TIMEOUT_MS);
    this.client = new JobnestClient({ baseUrl: this.baseUrl, admin: BENCH_ADMIN });
    await this.client.createApp(this.appName, this.appPassword);
    await this.client.login(this.appName, this.appPassword);

    const baseline = needs.baselineProcesses
      .map((p) => `${p.name} (${p.queues.map((q) => q.queue).join(', ')})`)
      .join(', ');
    this.options.log(
      `starting ${needs.jobnestWorkers} Jobnest worker host(s)${baseline ? ` and the BullMQ baseline: ${baseline}` : ''}`,
    );
    for (let i = 1; i <= needs.jobnestWorkers; i++) {
      const workerId = i === 1 ? this.jobnestWorkerId : `${this.jobnestWorkerId}-${i}`;
      const proc = this.spawn(i === 1 ? 'jobnest-worker' : `jobnest-worker-${i}`, BENCH_WORKER_MAIN, {
        JOBNEST_APP_NAME: this.appName,
        JOBNEST_APP_PASSWORD: this.appPassword,
        JOBNEST_MYSQL_URL: this.mysqlUrl,
        ...this.redisEnv,
        JOBNEST_PREFIX: this.prefix,
        JOBNEST_WORKER_ID: workerId,
      });
      this.jobnestWorkers.push({ workerId, process: proc });
    }
    for (const spec of needs.baselineProcesses) {
      const queues = spec.queues.map((q) => (q.concurrency ? `${q.queue}:${q.concurrency}` : q.queue)).join(',');
      this.baselineProcesses.set(
        spec.name,
        this.spawn(
          spec.name,
          BASELINE_WORKER_MAIN,
          {
            BENCH_REDIS_URL: this.redisUrl,
            BENCH_PREFIX: this.prefix,
            BENCH_QUEUES: queues,
          },
          false,
        ),
      );
    }
    await Promise.all(
      [...this.jobnestWorkers.map((w) => w.process), ...this.baselineProcesses.values()].map((p) =>
        p.waitFor(/ready/, BOOT_TIMEOUT_MS),
      ),
    );
    await waitUntil(
      async () => {
        const live = new Set((await this.client.listWorkers()).map((w) => w.workerId));
        return this.jobnestWorkers.every((w) => live.has(w.workerId));
      },
      30_000,
      `workers ${this.jobnestWorkerIds.join(', ')} in GET /workers`,
    );
  }

  /** A producer on a queue of the baseline processes (same Redis, same prefix). */
  baselineQueue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  private processes(): ManagedProcess[] {
    return [this.server, ...this.jobnestWorkers.map((w) => w.process), ...this.baselineProcesses.values()].filter(
      (p): p is ManagedProcess => p !== undefined,
    );
  }

  /** Pids of the bench and of every process it started (for the CPU meter). */
  pids(): number[] {
    return Object.values(this.rolePids()).flat();
  }

  /** Pids of each process role, for {@link CpuCost}. */
  rolePids(): RolePids {
    const alive = (list: readonly (ManagedProcess | undefined)[]): number[] =>
      list.filter((p): p is ManagedProcess => p?.alive === true).map((p) => p.pid);
    return {
      server: alive([this.server]),
      workers: alive(this.jobnestWorkers.map((w) => w.process)),
      baseline: alive([...this.baselineProcesses.values()]),
      bench: [process.pid],
    };
  }

  /** Fails fast with the process's output when a child died during a scenario. */
  assertAlive(): void {
    for (const p of this.processes()) {
      if (!p.alive) throw new Error(`${p.name} exited unexpectedly:\n${p.logs.slice(-4000)}`);
    }
  }

  /** With `--profile`: CPU profiles of the server and the Jobnest workers, Redis and MariaDB counters, around `body`. */
  async profiled<T>(label: string, body: () => Promise<T>): Promise<{ value: T; profile?: PhaseProfile }> {
    const dir = this.options.profileDir;
    if (!dir) return { value: await body() };
    const targets = [this.server!, ...this.jobnestWorkers.map((w) => w.process)];
    const conn = await createConnection(`${MYSQL_ROOT_URL}/`);
    try {
      const round = ++this.profileRound;
      for (const t of targets) writeFileSync(join(dir, `${t.name}.start-${round}`), '');
      await waitUntil(
        async () => targets.every((t) => existsSync(join(dir, `${t.name}.started-${round}`))),
        10_000,
        'the CPU profilers to start',
      );
      const redisBefore = await redisCommandStats(this.redis);
      const mysqlBefore = await mysqlCounters(conn);
      const started = Date.now();
      const value = await body();
      const wallMs = Date.now() - started;
      const redisAfter = await redisCommandStats(this.redis);
      const mysqlAfter = await mysqlCounters(conn);
      for (const t of targets) writeFileSync(join(dir, `${t.name}.stop-${round}`), '');
      const files = targets.map((t) => join(dir, `${t.name}-${round}.cpuprofile`));
      await waitUntil(async () => files.every((f) => existsSync(f)), 30_000, 'the CPU profiles to be written');
      const cpuProfiles = files.map((f) => summarizeProfile(f, REPO_ROOT));
      return {
        value,
        profile: {
          label,
          wallMs,
          cpuProfiles,
          redisCommands: commandDelta(redisBefore, redisAfter).slice(0, 20),
          mysql: counterDelta(mysqlBefore, mysqlAfter),
        },
      };
    } finally {
      await conn.end();
    }
  }

  /** Stops everything and removes the database and every key of the prefix. Safe to call twice or concurrently. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const errors: string[] = [];
    for (const q of this.queues.values())
      await q.close().catch((e: unknown) => errors.push(`queue close: ${String(e)}`));
    // Workers first (their shutdown reports go to a live server), then the server.
    await Promise.all(
      [...this.jobnestWorkers.map((w) => w.process), ...this.baselineProcesses.values()].map((p) => p.stop(10_000)),
    );
    await this.server?.stop(10_000);
    if (!this.started) return;
    try {
      const conn = await createConnection(`${MYSQL_ROOT_URL}/`);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${this.database}\``);
      } finally {
        await conn.end();
      }
    } catch (e) {
      errors.push(`dropping database ${this.database}: ${String(e)}`);
    }
    if (this.options.redisClusterNodes) {
      this.redis.disconnect();
      this.options.log(`cleaned up: database ${this.database} dropped (the Redis Cluster goes with its starter)`);
    } else
      try {
        const redis = this.redis ?? new Redis(this.redisUrl);
        let removed = 0;
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) removed += await redis.del(...keys);
        } while (cursor !== '0');
        redis.disconnect();
        this.options.log(
          `cleaned up: database ${this.database} dropped, ${removed} Redis keys ${this.prefix}:* deleted`,
        );
      } catch (e) {
        errors.push(`deleting Redis keys ${this.prefix}:*: ${String(e)}`);
      }
    if (errors.length > 0) throw new Error(`cleanup incomplete: ${errors.join('; ')}`);
  }

  private spawn(name: string, script: string, env: Record<string, string>, profile = true): ManagedProcess {
    const dir = this.options.profileDir;
    const nodeArgs: string[] = [];
    if (dir && profile) {
      mkdirSync(dir, { recursive: true });
      nodeArgs.push('--require', PROFILE_PRELOAD);
      env = { ...env, BENCH_PROFILE_DIR: dir, BENCH_PROFILE_NAME: name };
    }
    return startProcess(name, script, env, { echo: this.options.verbose, nodeArgs });
  }
}

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JobnestApiError, JobnestClient, JobnestConnectionError } from '@jobnest/client';
import { freePort } from '../../../tools/process-harness/dist/free-port';
import { KeyLayout, workerQueueName, type AppStreams } from '@jobnest/transport';
import { startProcess, type ManagedProcess } from './child-process';
import { TestNamespace } from './isolated-namespace';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
const SERVER_MAIN = join(REPO_ROOT, 'apps', 'server', 'dist', 'main.js');
export const WORKER_MAIN = join(REPO_ROOT, 'apps', 'worker', 'dist', 'demo-worker.main.js');

/**
 * Timings of every test server unless a test overrides them (shortened from the production defaults in the README).
 * The worker and receive timeouts are long enough that a loaded machine's stalled event loop is not taken for a dead
 * worker (a spurious retry or takeover would break the exact counts many tests check), and the no-worker grace long
 * enough to act on a waiting instance before it fails. Tests about failure detection use FAST_FAILURE_DETECTION.
 */
export const TEST_TIMINGS = {
  workerTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  noWorkerGraceMs: 10_000,
  receiveTimeoutMs: 10_000,
};

/** Short worker and receive timeouts, for the tests whose subject is a dead worker or a lost dispatch. */
export const FAST_FAILURE_TIMINGS = { workerTimeoutMs: 3000, receiveTimeoutMs: 3000 };
export const FAST_FAILURE_DETECTION: Record<string, string> = {
  JOBNEST_WORKER_TIMEOUT_MS: String(FAST_FAILURE_TIMINGS.workerTimeoutMs),
  JOBNEST_RECEIVE_TIMEOUT_MS: String(FAST_FAILURE_TIMINGS.receiveTimeoutMs),
};

/** The admin of every test server; the harness creates apps with it, as the README tells users to. */
export const TEST_ADMIN = { username: 'admin', password: 'admin-password' };

export interface WorkerSpec {
  workerId: string;
  tags?: string[];
  script?: string;
  cwd?: string;
  extraEnv?: Record<string, string>;
}

/**
 * One test file's Jobnest: its own database and Redis prefix, real server and worker processes, and a client
 * logged in to an app of its own.
 */
export interface ClusterServices {
  redisUrl: string;
  /** mysql://user@host:port without a database. */
  mysqlRootUrl: string;
}

export class TestCluster {
  readonly ns: TestNamespace;
  readonly servers: ManagedProcess[] = [];
  /** Base URL of each server, in start order. */
  readonly serverUrls: string[] = [];
  readonly workers = new Map<string, ManagedProcess>();
  readonly appName: string;
  readonly appPassword = 'test-password';
  /** A secret of this cluster's own, shared by its servers (tokens from one verify on the others). */
  readonly tokenSecret = randomBytes(32).toString('base64url');
  client!: JobnestClient;
  baseUrl = '';
  /** Id of the test app (set by start()). */
  appId = 0;
  /** Where this cluster's Redis keys are (its prefix's KeyLayout). */
  readonly keys: KeyLayout;

  /**
   * `serverOverrides` override the test defaults of every server this cluster starts; `services` point it at
   * Redis and MariaDB of its own (default: the machine's); `ns` is its namespace when the test needs the prefix
   * before the cluster exists (default: a new one on `services`).
   */
  constructor(
    private readonly serverOverrides: Record<string, string> = {},
    services?: ClusterServices,
    ns?: TestNamespace,
  ) {
    this.ns = ns ?? (services ? new TestNamespace(services.redisUrl, services.mysqlRootUrl) : new TestNamespace());
    this.appName = `app_${this.ns.id}`;
    this.keys = new KeyLayout(this.ns.prefix);
  }

  /** The test app's streams (heartbeats, instance statuses, logs). */
  get streams(): AppStreams {
    return this.keys.appStreams(this.appId);
  }

  /** The start of every BullMQ key of a test app worker's command queue: `<queue prefix>:jobnest-worker-<id>`. */
  workerQueueKey(workerId: string, appId = this.appId): string {
    return `${this.keys.workerQueuePrefix({ workerId, appId })}:${workerQueueName(workerId)}`;
  }

  serverEnv(port: number): Record<string, string> {
    return {
      PORT: String(port),
      JOBNEST_MYSQL_URL: this.ns.mysqlUrl,
      JOBNEST_REDIS_URL: this.ns.redisUrl,
      JOBNEST_PREFIX: this.ns.prefix,
      JOBNEST_ADMIN_USER: TEST_ADMIN.username,
      JOBNEST_ADMIN_PASSWORD: TEST_ADMIN.password,
      JOBNEST_TOKEN_SECRET: this.tokenSecret,
      // Tests log in often from one address and run fast timers; the security tests set these back down.
      JOBNEST_AUTH_RATE_LIMIT_PER_IP: '10000',
      JOBNEST_AUTH_RATE_LIMIT_PER_APP: '10000',
      JOBNEST_MIN_TIMER_INTERVAL_MS: '100',
      JOBNEST_WORKER_TIMEOUT_MS: String(TEST_TIMINGS.workerTimeoutMs),
      JOBNEST_NO_WORKER_GRACE_MS: String(TEST_TIMINGS.noWorkerGraceMs),
      JOBNEST_RECEIVE_TIMEOUT_MS: String(TEST_TIMINGS.receiveTimeoutMs),
      JOBNEST_RECONCILE_INTERVAL_MS: '500',
      ...this.serverOverrides,
    };
  }

  workerEnv(spec: WorkerSpec, appName = this.appName, password = this.appPassword): Record<string, string> {
    return {
      JOBNEST_APP_NAME: appName,
      JOBNEST_APP_PASSWORD: password,
      JOBNEST_MYSQL_URL: this.ns.mysqlUrl,
      JOBNEST_REDIS_URL: this.ns.redisUrl,
      JOBNEST_PREFIX: this.ns.prefix,
      JOBNEST_WORKER_ID: spec.workerId,
      JOBNEST_WORKER_TAGS: (spec.tags ?? []).join(','),
      JOBNEST_HEARTBEAT_INTERVAL_MS: String(TEST_TIMINGS.heartbeatIntervalMs),
      ...(spec.extraEnv ?? {}),
    };
  }

  /** Starts a server, registers the test app and logs the client in. */
  async start(): Promise<void> {
    await this.startServer();
    const client = new JobnestClient({ baseUrl: this.baseUrl, admin: TEST_ADMIN });
    this.appId = (await client.createApp(this.appName, this.appPassword)).id;
    await client.login(this.appName, this.appPassword);
    this.client = client;
  }

  async startServer(): Promise<ManagedProcess> {
    const port = await freePort();
    const server = startProcess(`server-${this.servers.length + 1}`, SERVER_MAIN, this.serverEnv(port));
    this.servers.push(server);
    await server.waitFor(/ready on http/);
    this.serverUrls.push(`http://127.0.0.1:${port}`);
    if (!this.baseUrl) this.baseUrl = `http://127.0.0.1:${port}`;
    return server;
  }

  /** Starts a worker and waits until the server lists it. */
  async startWorker(spec: WorkerSpec): Promise<ManagedProcess> {
    const worker = startProcess(`worker-${spec.workerId}`, spec.script ?? WORKER_MAIN, this.workerEnv(spec), spec.cwd);
    this.workers.set(spec.workerId, worker);
    await worker.waitFor(/ready/);
    await waitUntil(
      async () => (await this.client.listWorkers()).some((w) => w.workerId === spec.workerId),
      10_000,
      `worker ${spec.workerId} to appear in GET /workers`,
    );
    return worker;
  }

  /** A client of the app logged in on the given server. */
  async clientOf(serverIndex: number): Promise<JobnestClient> {
    const client = new JobnestClient({ baseUrl: this.serverUrls[serverIndex] });
    await client.login(this.appName, this.appPassword);
    return client;
  }

  /** Everything this cluster started is stopped and its data dropped. */
  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop(5000)));
    await Promise.all(this.servers.map((s) => s.stop(5000)));
    await this.ns.drop();
  }

  /** Output of every process, for assertion messages. */
  dump(): string {
    return [...this.servers, ...this.workers.values()].map((p) => `---- ${p.name}\n${p.logs.slice(-3000)}`).join('\n');
  }
}

/**
 * Polls `check` every 100 ms until it returns true; fails after `timeoutMs`. A check that throws because a server
 * is restarting (no connection, 502/503/504) is polled again, and its error is named if the time runs out; any other
 * error (a failed assertion, a 404) fails at once.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    let failure: unknown;
    try {
      if (await check()) return;
    } catch (err) {
      if (!isPassingFailure(err)) throw err;
      failure = err;
    }
    if (Date.now() - started > timeoutMs) {
      const last = failure === undefined ? '' : `; the last check failed: ${String(failure)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`, { cause: failure });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isPassingFailure(err: unknown): boolean {
  if (err instanceof JobnestConnectionError) return true;
  return err instanceof JobnestApiError && [502, 503, 504].includes(err.status);
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { freePort } from '../../../tools/process-harness/dist/free-port';

/** Where distributions put each binary; an environment variable names another. The first that runs is used. */
const CANDIDATES = {
  'redis-server': [
    process.env.JOBNEST_TEST_REDIS_SERVER,
    'redis-server',
    '/usr/bin/redis-server',
    '/usr/local/bin/redis-server',
  ],
  'redis-cli': [process.env.JOBNEST_TEST_REDIS_CLI, 'redis-cli', '/usr/bin/redis-cli', '/usr/local/bin/redis-cli'],
  mariadbd: [
    process.env.JOBNEST_TEST_MARIADBD,
    'mariadbd',
    '/usr/sbin/mariadbd',
    '/usr/bin/mariadbd',
    '/usr/libexec/mariadbd',
    '/usr/local/bin/mariadbd',
  ],
  'mariadb-install-db': [
    process.env.JOBNEST_TEST_MARIADB_INSTALL_DB,
    'mariadb-install-db',
    '/usr/bin/mariadb-install-db',
    '/usr/local/bin/mariadb-install-db',
  ],
} as const;
type Binary = keyof typeof CANDIDATES;

function locate(binary: Binary): string | undefined {
  for (const path of CANDIDATES[binary]) {
    if (path && !spawnSync(path, ['--version'], { stdio: 'ignore' }).error) return path;
  }
  return undefined;
}

/**
 * Whether a test file's private services can run here: `{ skip: false }`, or `{ skip: reason }` for node:test.
 * Under CI (CI set) a missing binary fails the file instead: a skipped durability test must not pass a build.
 */
export function privateServices(...binaries: Binary[]): { skip: string | false } {
  const missing = binaries.filter((b) => locate(b) === undefined);
  if (missing.length === 0) return { skip: false };
  const reason = `${missing.join(' and ')} not found (looked in ${missing.map((b) => CANDIDATES[b].filter(Boolean).join(', ')).join('; ')})`;
  if (process.env.CI)
    throw new Error(
      `CI must run every test, but ${reason}: install it (.ci/run does) or set JOBNEST_TEST_* to its path`,
    );
  return { skip: reason };
}

/** The path of `name` that runs here (see CANDIDATES); throws when there is none. */
export function binary(name: Binary): string {
  const path = locate(name);
  if (!path) throw new Error(`${name} not found`);
  return path;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (
    !(await check().catch((err: unknown) => {
      if (err instanceof ChildExitedError) throw err;
      return false;
    }))
  ) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Thrown from a readiness probe, so the probe stops at once (other errors mean "not up yet"). */
class ChildExitedError extends Error {}

function assertRunning(child: ChildProcess, what: string): void {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new ChildExitedError(
      `${what} exited (${child.exitCode ?? child.signalCode}) before it answered: is its port taken?`,
    );
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A Redis server of the test's own on its own port (nothing on disk), so a test may flush and restart it
 * without touching the machine's Redis.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private port = 0;

  get url(): string {
    if (this.port === 0) throw new Error('the private Redis has no port before start()');
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts on a free port (the same one again after a restart). */
  async start(): Promise<void> {
    this.port ||= await freePort();
    const child = spawn(
      binary('redis-server'),
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    await until(
      async () => {
        // Our own child must be the one answering: were it gone (the port taken meanwhile), stop rather than talk to a stranger.
        assertRunning(child, 'private Redis');
        const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        r.on('error', () => undefined); // refused while starting: the loop retries
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      },
      10_000,
      'private Redis',
    );
    assertRunning(child, 'private Redis');
  }

  /** FLUSHALL, then a restart (empty: nothing is saved). */
  async flushAndRestart(downMs: number): Promise<void> {
    if (this.child) assertRunning(this.child, 'private Redis');
    const r = new Redis(this.url);
    await r.flushall();
    r.disconnect();
    await this.stop();
    await new Promise((res) => setTimeout(res, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
    this.child = undefined;
  }
}

/** A MariaDB server of the test's own (fresh data directory, root without password) that a test may restart. */
export class PrivateMariaDb {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'jobnest-mariadb-'));
  private port = 0;

  get rootUrl(): string {
    if (this.port === 0) throw new Error('the private MariaDB has no port before start()');
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  async install(): Promise<void> {
    const r = spawnSync(
      binary('mariadb-install-db'),
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--user=root',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr}`);
  }

  /** Starts on a free port (the same one again after a restart). */
  async start(): Promise<void> {
    this.port ||= await freePort();
    const child = spawn(
      binary('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.dir, 'mariadb.sock')}`,
        `--pid-file=${join(this.dir, 'mariadb.pid')}`,
        '--user=root',
        '--innodb-buffer-pool-size=64M',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    await until(
      async () => {
        assertRunning(child, 'private MariaDB');
        const conn = await createConnection(`${this.rootUrl}/`);
        await conn.end();
        return true;
      },
      30_000,
      'private MariaDB',
    );
    assertRunning(child, 'private MariaDB');
  }

  /** SIGTERM (a clean shutdown, as a restart by an operator), `downMs` of downtime, then start again. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((res) => setTimeout(res, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    await exited(this.child);
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

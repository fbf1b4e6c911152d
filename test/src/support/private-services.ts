import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';

const REDIS_SERVER = process.env.JOBNEST_TEST_REDIS_SERVER ?? 'redis-server';
const MARIADBD = process.env.JOBNEST_TEST_MARIADBD ?? '/usr/sbin/mariadbd';
const MARIADB_INSTALL_DB = process.env.JOBNEST_TEST_MARIADB_INSTALL_DB ?? 'mariadb-install-db';

/** Why private services cannot run here, or undefined when they can (tests that need them skip otherwise). */
export function privateServicesUnavailable(): string | undefined {
  for (const [bin, args] of [[REDIS_SERVER, ['--version']], [MARIADBD, ['--version']], [MARIADB_INSTALL_DB, ['--help']]] as const) {
    const r = spawnSync(bin, args, { stdio: 'ignore' });
    if (r.error) return `${bin} is not installed`;
  }
  return undefined;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
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

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await until(async () => {
      const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined); // refused while starting: the loop retries
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    }, 10_000, 'private Redis');
  }

  /** FLUSHALL, then a restart (empty: nothing is saved). */
  async flushAndRestart(downMs: number): Promise<void> {
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

  constructor(readonly port: number) {}

  get rootUrl(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  async install(): Promise<void> {
    const r = spawnSync(MARIADB_INSTALL_DB, [
      '--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', '--user=root',
    ], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr}`);
  }

  async start(): Promise<void> {
    this.child = spawn(MARIADBD, [
      '--no-defaults', `--datadir=${join(this.dir, 'data')}`, `--port=${this.port}`, '--bind-address=127.0.0.1',
      `--socket=${join(this.dir, 'mariadb.sock')}`, `--pid-file=${join(this.dir, 'mariadb.pid')}`, '--user=root',
      '--innodb-buffer-pool-size=64M',
    ], { stdio: 'ignore' });
    await until(async () => {
      const conn = await createConnection(`${this.rootUrl}/`);
      await conn.end();
      return true;
    }, 30_000, 'private MariaDB');
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

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port';

const execFileAsync = promisify(execFile);

/** Every slot of a Redis Cluster (a fixed number in the protocol). */
const SLOTS = 16384;
/** A node's cluster bus listens on its port + 10000, so both must be free. */
const BUS_OFFSET = 10_000;

export interface RedisClusterNode {
  port: number;
  pid: number;
  role: 'master' | 'replica';
}

export interface LocalRedisCluster {
  /** `127.0.0.1:port` of every node still running, masters first (roles as last seen, see `nodes`). */
  readonly seeds: string[];
  /** The nodes still running; roles as seen at start and refreshed by each `waitHealthy()` (a failover changes them). */
  readonly nodes: RedisClusterNode[];
  /**
   * SIGKILLs the master serving the slot of `key` and returns its port. By default it first waits until that master's
   * replicas have acknowledged everything it has (replication is asynchronous), so writes made before the call
   * survive the failover; `waitForReplicas: false` kills at once.
   */
  killMasterOf(key: string, options?: { waitForReplicas?: boolean }): Promise<number>;
  /** Resolves once every slot is served by a live master again and every live node says `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** SIGKILLs every node and removes the temporary directory (configs and logs). */
  stop(): Promise<void>;
}

export interface LocalRedisClusterOptions {
  /** Path of redis-server. (Default: 'redis-server', from PATH) */
  redisServer?: string;
  /** Path of redis-cli. (Default: 'redis-cli', from PATH) */
  redisCli?: string;
  /** Default 3: a failover needs a majority of masters to vote, so fewer than 3 cannot lose one. */
  masters?: number;
  /** Default 0. */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`; default 2000 ms, so a failover takes a few seconds rather than the default's 15+. */
  nodeTimeoutMs?: number;
}

interface RunningNode {
  port: number;
  child: ChildProcess;
  role: 'master' | 'replica';
}

/** One line of CLUSTER NODES. */
interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  linkState: string;
  /** Inclusive slot ranges this node serves. */
  slots: [number, number][];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  return isRunning(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

/** Whether nothing listens on 127.0.0.1:port right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free port whose bus port (+10000) is free too and that collides with no port in `taken`; adds both to `taken`
 * (checked again after the last await, so concurrent callers never get the same one).
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await freePort();
    const bus = port + BUS_OFFSET;
    if (bus > 65535 || taken.has(port) || taken.has(bus) || !(await portIsFree(bus))) continue;
    if (taken.has(port) || taken.has(bus)) continue;
    taken.add(port).add(bus);
    return port;
  }
  throw new Error('found no free port whose cluster bus port (+10000) is free too');
}

/** A short-lived plain connection to one node; fails fast instead of retrying, since callers poll. */
async function onNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    // A node stalled mid-failover must not hang a poll.
    commandTimeout: 2000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function stringReply(redis: Redis, ...args: string[]): Promise<string> {
  const [command, ...rest] = args;
  const reply = await redis.call(command, ...rest);
  if (typeof reply !== 'string') throw new Error(`${args.join(' ')} answered ${typeof reply}, not a string`);
  return reply;
}

/** `field:value` lines of INFO or CLUSTER INFO. */
function infoFields(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function parseClusterNodes(reply: string): NodeLine[] {
  return reply
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const [id, address, flags, master, , , , linkState, ...slotFields] = line.split(' ');
      // ip:port@cport[,hostname]
      const port = Number(address.split('@')[0].split(':').pop());
      const slots: [number, number][] = [];
      for (const field of slotFields) {
        if (field.startsWith('[')) continue; // a slot being migrated or imported, not served
        const [from, to] = field.split('-').map(Number);
        slots.push([from, to ?? from]);
      }
      return { id, port, flags: flags.split(','), masterId: master === '-' ? undefined : master, linkState, slots };
    });
}

function ownRole(lines: NodeLine[]): 'master' | 'replica' {
  return lines.find((l) => l.flags.includes('myself'))?.flags.includes('slave') ? 'replica' : 'master';
}

function servesSlot(line: NodeLine, slot: number): boolean {
  return line.slots.some(([from, to]) => slot >= from && slot <= to);
}

/** Polls `check` (a throw counts as "not yet") until it returns undefined; else throws with its last complaint. */
async function until(check: () => Promise<string | undefined>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const complaint = await check();
      if (complaint === undefined) return;
      last = complaint;
    } catch (err) {
      if (err instanceof FatalError) throw err;
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms: ${last}`);
    await sleep(100);
  }
}

/** Stops a poll at once (a node we started has died). */
class FatalError extends Error {}

class LocalCluster implements LocalRedisCluster {
  private readonly running: RunningNode[] = [];
  /** Ports (and bus ports) handed to a node of this cluster, including ones that failed to bind. */
  private readonly reserved = new Set<number>();
  private stopped = false;
  private readonly onExit = (): void => {
    // A crashed or forgetful test must not leave nodes behind: kill is synchronous, as an 'exit' listener must be.
    for (const node of this.running) node.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(
    private readonly dir: string,
    private readonly nodeTimeoutMs: number,
  ) {
    process.once('exit', this.onExit);
  }

  get nodes(): RedisClusterNode[] {
    return this.live().map((n) => ({ port: n.port, pid: n.child.pid ?? 0, role: n.role }));
  }

  get seeds(): string[] {
    const live = this.live();
    return [...live.filter((n) => n.role === 'master'), ...live.filter((n) => n.role === 'replica')].map(
      (n) => `127.0.0.1:${n.port}`,
    );
  }

  private live(): RunningNode[] {
    return this.running.filter((n) => isRunning(n.child));
  }

  private log(port: number): string {
    const path = join(this.dir, `redis-${port}.log`);
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
  }

  /** Starts `count` nodes side by side (each takes a few hundred ms to answer); settles only once all have. */
  async startNodes(serverPath: string, count: number): Promise<void> {
    const results = await Promise.allSettled(Array.from({ length: count }, () => this.startNode(serverPath)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Starts one node on a fresh free port; a port taken between the check and the bind is retried on another. */
  private async startNode(serverPath: string): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeClusterPort(this.reserved);
      const dir = this.dir;
      const child = spawn(
        serverPath,
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
          ...['--cluster-node-timeout', String(this.nodeTimeoutMs), '--save', '', '--appendonly', 'no'],
          ...['--logfile', join(dir, `redis-${port}.log`)],
          // A replica's first sync would otherwise wait 5 s for more replicas to share a diskless transfer.
          ...['--repl-diskless-sync-delay', '0'],
          // A replica always stands for election, however long ago it last heard from its master (a loaded machine).
          ...['--cluster-replica-validity-factor', '0'],
        ],
        { stdio: 'ignore' },
      );
      child.on('error', () => undefined); // shows as a missing pid or an exit below
      const node: RunningNode = { port, child, role: 'master' };
      this.running.push(node);
      try {
        await until(
          async () => {
            if (!isRunning(child) || child.pid === undefined) {
              throw new FatalError(
                `redis-server on ${port} exited (${child.exitCode ?? child.signalCode}): ${this.log(port)}`,
              );
            }
            return (await onNode(port, (r) => r.ping())) === 'PONG' ? undefined : 'no PONG';
          },
          10_000,
          `redis-server on ${port} answering PING`,
        );
        return;
      } catch (err) {
        lastError = err;
        child.kill('SIGKILL');
        await exited(child);
        this.running.splice(this.running.indexOf(node), 1);
        if (!(err instanceof FatalError)) throw err;
      }
    }
    throw lastError;
  }

  async create(cliPath: string, replicasPerMaster: number): Promise<void> {
    const args = ['--cluster', 'create', ...this.running.map((n) => `127.0.0.1:${n.port}`)];
    args.push('--cluster-replicas', String(replicasPerMaster), '--cluster-yes');
    try {
      // TERM: redis-cli colours its messages on an xterm, which would garble an error report.
      const { stdout } = await execFileAsync(cliPath, args, { timeout: 60_000, env: { ...process.env, TERM: 'dumb' } });
      if (!stdout.includes(`All ${SLOTS} slots covered`)) throw new Error(`unexpected output:\n${stdout}`);
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`redis-cli --cluster create failed: ${message}\n${stdout}${stderr}`, { cause: err });
    }
  }

  /** Waits until every node agrees on the whole layout, so that a failover (which needs the masters' votes) works. */
  async waitFormed(masters: number, replicasPerMaster: number): Promise<void> {
    const total = this.running.length;
    await until(
      async () => {
        const roles = new Map<RunningNode, 'master' | 'replica'>();
        for (const node of this.running) {
          if (!isRunning(node.child)) throw new FatalError(`node ${node.port} died: ${this.log(node.port)}`);
          const complaint = await onNode(node.port, async (r) => {
            const info = infoFields(await stringReply(r, 'CLUSTER', 'INFO'));
            if (info.get('cluster_state') !== 'ok') return `cluster_state:${info.get('cluster_state')}`;
            if (info.get('cluster_known_nodes') !== String(total)) return `knows ${info.get('cluster_known_nodes')}`;
            const lines = parseClusterNodes(await stringReply(r, 'CLUSTER', 'NODES'));
            const bad = lines.find(
              (l) =>
                l.linkState !== 'connected' ||
                l.flags.some((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f)),
            );
            if (bad) return `sees ${bad.port} as ${bad.flags.join(',')} ${bad.linkState}`;
            const masterIds = new Set(lines.filter((l) => l.flags.includes('master')).map((l) => l.id));
            if (masterIds.size !== masters) return `sees ${masterIds.size} masters`;
            const replicas = lines.filter((l) => l.flags.includes('slave'));
            const attached = replicas.filter((l) => masterIds.has(l.masterId ?? '')).length;
            if (attached !== masters * replicasPerMaster) return `sees ${attached} replicas attached`;
            roles.set(node, ownRole(lines));
            if (ownRole(lines) === 'replica') {
              const link = infoFields(await stringReply(r, 'INFO', 'replication')).get('master_link_status');
              if (link !== 'up') return `replication link ${link}`;
            }
            return undefined;
          });
          if (complaint !== undefined) return `${node.port}: ${complaint}`;
        }
        for (const [node, role] of roles) node.role = role;
        return undefined;
      },
      30_000,
      'a formed cluster',
    );
  }

  async killMasterOf(key: string, options: { waitForReplicas?: boolean } = {}): Promise<number> {
    const [someNode] = this.live();
    if (!someNode) throw new Error('no node of the cluster is running');
    const { slot, lines } = await onNode(someNode.port, async (r) => ({
      slot: Number(await r.call('CLUSTER', 'KEYSLOT', key)),
      lines: parseClusterNodes(await stringReply(r, 'CLUSTER', 'NODES')),
    }));
    const master = lines.find((l) => l.flags.includes('master') && !l.flags.includes('fail') && servesSlot(l, slot));
    const target = master && this.live().find((n) => n.port === master.port);
    if (!master || !target) throw new Error(`no live master serves slot ${slot} of ${key}`);

    if (options.waitForReplicas ?? true) {
      const targetOffset = await onNode(target.port, async (r) =>
        Number(infoFields(await stringReply(r, 'INFO', 'replication')).get('master_repl_offset')),
      );
      // Replicas acknowledge their offset about once a second.
      await until(
        () =>
          onNode(target.port, async (r) => {
            const info = infoFields(await stringReply(r, 'INFO', 'replication'));
            const count = Number(info.get('connected_slaves') ?? 0);
            for (let i = 0; i < count; i++) {
              const offset = Number(/offset=(\d+)/.exec(info.get(`slave${i}`) ?? '')?.[1] ?? -1);
              if (offset < targetOffset) return `replica ${i} at ${offset} of ${targetOffset}`;
            }
            return undefined;
          }),
        10_000,
        `the replicas of ${target.port} catching up`,
      );
    }

    target.child.kill('SIGKILL');
    await exited(target.child);
    return target.port;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await until(
      async () => {
        const live = this.live();
        const livePorts = new Set(live.map((n) => n.port));
        const roles = new Map<RunningNode, 'master' | 'replica'>();
        for (const node of live) {
          const complaint = await onNode(node.port, async (r) => {
            const info = infoFields(await stringReply(r, 'CLUSTER', 'INFO'));
            if (info.get('cluster_state') !== 'ok') return `cluster_state:${info.get('cluster_state')}`;
            if (info.get('cluster_slots_ok') !== String(SLOTS)) return `${info.get('cluster_slots_ok')} slots ok`;
            // Its own view must route every slot to a live master, not to the one just killed.
            const lines = parseClusterNodes(await stringReply(r, 'CLUSTER', 'NODES'));
            roles.set(node, ownRole(lines));
            let served = 0;
            for (const l of lines) {
              if (!l.flags.includes('master') || l.flags.includes('fail') || !livePorts.has(l.port)) continue;
              served += l.slots.reduce((sum, [from, to]) => sum + to - from + 1, 0);
            }
            return served === SLOTS ? undefined : `routes ${served} slots to live masters`;
          });
          if (complaint !== undefined) return `${node.port}: ${complaint}`;
        }
        // A failover has made a replica a master: `nodes` and `seeds` follow.
        for (const [node, role] of roles) node.role = role;
        return undefined;
      },
      timeoutMs,
      'a healthy cluster',
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const node of this.running) node.child.kill('SIGKILL');
    await Promise.all(this.running.map((n) => exited(n.child)));
    process.removeListener('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of a test's or a benchmark's own from the machine's redis-server and redis-cli: each node a child process on free
 * ports of 127.0.0.1, nothing saved, configs and logs in a temporary directory. Resolves once the cluster is formed
 * (every node sees every slot served and, with replicas, every replica linked), so a failover can succeed at once.
 */
export async function startLocalRedisCluster(options: LocalRedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  const serverPath = options.redisServer ?? 'redis-server';
  const cliPath = options.redisCli ?? 'redis-cli';
  const cluster = new LocalCluster(
    mkdtempSync(join(tmpdir(), 'jobnest-redis-cluster-')),
    options.nodeTimeoutMs ?? 2000,
  );
  try {
    await cluster.startNodes(serverPath, masters * (1 + replicasPerMaster));
    await cluster.create(cliPath, replicasPerMaster);
    await cluster.waitFormed(masters, replicasPerMaster);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

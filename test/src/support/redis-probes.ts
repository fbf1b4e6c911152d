import { Redis } from 'ioredis';

/**
 * A short-lived connection of the test's own for a few commands, so a Redis that is flushed and restarted under the
 * test leaves no half-broken client behind (and its connection errors do not reach the console).
 */
export async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Redis' clock in epoch ms (the clock the servers' beats are noted on). */
export async function redisNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Ids of the entries of `stream` that `group` has read and not acknowledged yet (XPENDING, extended form). */
export async function pendingIds(redis: Redis, stream: string, group: string): Promise<string[]> {
  const rows = (await redis.xpending(stream, group, '-', '+', 1000)) as [string, string, number, number][];
  return rows.map(([id]) => id);
}

/** A status report as a worker wrote it to `<prefix>:stream:instance-status`, and when the test read it. */
export interface ObservedReport {
  /** Stream entry id. */
  id: string;
  /** When the test read it (epoch ms, this process's clock). */
  seenAt: number;
  instanceId: number;
  workerId: string;
  runningTimes: number;
  status: string;
  result: string | null;
  /** When the worker reached the status (epoch ms, the worker's clock: the same machine). */
  time: number;
}

type ReadReply = [string, [string, string[]][]][] | null;

/**
 * Reads every status report written after `start()` through a consumer group of the test's own: the servers trim
 * the stream only below what every group has read, so no report escapes the test, however fast the servers store
 * and acknowledge it. `destroy()` removes the group (it would otherwise hold back the trimming).
 */
export class StatusReportObserver {
  readonly reports: ObservedReport[] = [];

  constructor(
    private readonly redis: Redis,
    readonly stream: string,
    private readonly group = 'test-observer',
  ) {}

  async start(): Promise<void> {
    await this.redis.xgroup('CREATE', this.stream, this.group, '$', 'MKSTREAM');
  }

  /** Reads (and acknowledges for its own group) whatever was written since the last read. */
  async read(): Promise<void> {
    for (;;) {
      const reply = (await this.redis.xreadgroup(
        'GROUP',
        this.group,
        'observer',
        'COUNT',
        500,
        'STREAMS',
        this.stream,
        '>',
      )) as ReadReply;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        const m = fields[fields.indexOf('m') + 1];
        const report = JSON.parse(m ?? '{}') as Omit<ObservedReport, 'id' | 'seenAt'>;
        this.reports.push({ ...report, id, seenAt: Date.now() });
        await this.redis.xack(this.stream, this.group, id);
      }
      if (entries.length < 500) return;
    }
  }

  /** The first final (not RUNNING) report of the instance read so far. */
  finalOf(instanceId: number): ObservedReport | undefined {
    return this.reports.find((r) => r.instanceId === instanceId && r.status !== 'RUNNING');
  }

  async destroy(): Promise<void> {
    await this.redis.xgroup('DESTROY', this.stream, this.group).catch(() => undefined);
  }
}

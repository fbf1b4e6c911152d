import type { Cluster, Redis } from 'ioredis';
import type { Connection } from 'mysql2/promise';

export interface CommandStat {
  calls: number;
  usec: number;
}

/** `INFO commandstats` as a map command -> {calls, usec}. */
export async function redisCommandStats(redis: Redis | Cluster): Promise<Map<string, CommandStat>> {
  const text = await redis.info('commandstats');
  const stats = new Map<string, CommandStat>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

export interface CommandDelta {
  command: string;
  calls: number;
  usec: number;
  usecPerCall: number;
}

/** What ran between two snapshots, most Redis time first. Redis is shared: other clients' commands count too. */
export function commandDelta(before: Map<string, CommandStat>, after: Map<string, CommandStat>): CommandDelta[] {
  const out: CommandDelta[] = [];
  for (const [command, a] of after) {
    const b = before.get(command) ?? { calls: 0, usec: 0 };
    const calls = a.calls - b.calls;
    if (calls <= 0) continue;
    const usec = a.usec - b.usec;
    out.push({ command, calls, usec, usecPerCall: Math.round((usec / calls) * 100) / 100 });
  }
  return out.sort((x, y) => y.usec - x.usec);
}

const MYSQL_COUNTERS = [
  'Questions',
  'Com_select',
  'Com_insert',
  'Com_update',
  'Com_delete',
  'Com_commit',
  'Com_begin',
  'Innodb_rows_read',
  'Innodb_data_fsyncs',
];

/** Server-wide MariaDB counters (statements by kind, rows read, fsyncs). */
export async function mysqlCounters(conn: Connection): Promise<Record<string, number>> {
  const [rows] = await conn.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${MYSQL_COUNTERS.map(() => '?').join(',')})`,
    MYSQL_COUNTERS,
  );
  const out: Record<string, number> = {};
  for (const r of rows as { Variable_name: string; Value: string }[]) out[r.Variable_name] = Number(r.Value);
  return out;
}

export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = (after[k] ?? 0) - (before[k] ?? 0);
  return out;
}

import { readdirSync, readFileSync } from 'node:fs';

/** Command names (/proc/<pid>/comm) of the database and of Redis, the services the bench and the baselines share. */
export const DATABASE_PROCESS_NAMES: ReadonlySet<string> = new Set(['mariadbd', 'mysqld']);
export const REDIS_PROCESS_NAMES: ReadonlySet<string> = new Set(['redis-server']);

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux the bench runs on). */
export const TICKS_PER_SECOND = 100;

/** The machine's busy and total CPU ticks over all cores since boot (/proc/stat); undefined off Linux. */
export function systemTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const v = fields.map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** CPU ticks (user + system) the process has used since it started; 0 once it is gone. */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: state(3) ... utime(14) stime(15); rest[0] is field 3.
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/** Pids of the processes whose command name (/proc/<pid>/comm) is one of `names`. */
export function pidsNamed(names: ReadonlySet<string>): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return names.has(readFileSync(`/proc/${d}/comm`, 'utf8').trim());
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

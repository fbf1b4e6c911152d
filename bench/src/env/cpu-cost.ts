import { DATABASE_PROCESS_NAMES, pidsNamed, processTicks, REDIS_PROCESS_NAMES, TICKS_PER_SECOND } from './proc-stat';

/** Who spends the CPU of a phase: Jobnest's processes, the services they share with the baselines, the bench. */
export const CPU_ROLES = ['server', 'workers', 'mariadb', 'redis', 'baseline', 'bench'] as const;
export type CpuRole = (typeof CPU_ROLES)[number];

/** The pids of each role now (processes may start and stop between phases). */
export type RolePids = Record<Exclude<CpuRole, 'mariadb' | 'redis'>, number[]>;

/** CPU time, in ms, each role used between two readings, and their sum. */
export interface CpuSpent {
  totalMs: number;
  byRole: Record<CpuRole, number>;
}

/** CPU ticks per role at one moment. */
type Reading = Map<number, { role: CpuRole; ticks: number }>;

/**
 * Measures the CPU time each role's processes spend during a phase (Linux /proc; zeros elsewhere): the cost of a
 * path in CPU, which moves much less than its throughput with how busy the machine is. Every process the bench
 * started counts in every phase (the other side's idle processes too), and MariaDB and Redis count whole (the bench's
 * own polling included), so a phase's figure is that of everything the machine did for the bench meanwhile.
 */
export class CpuCost {
  private constructor(
    private readonly pids: () => RolePids,
    private readonly begin: Reading,
  ) {}

  /** Starts measuring. `pids`: the processes of each role (read again at the end). */
  static start(pids: () => RolePids): CpuCost {
    return new CpuCost(pids, read(pids()));
  }

  /** The CPU time spent since `start`, per role; a process gone meanwhile counts 0 (keep them up until then). */
  spent(): CpuSpent {
    const end = read(this.pids());
    const byRole = Object.fromEntries(CPU_ROLES.map((r) => [r, 0])) as Record<CpuRole, number>;
    for (const [pid, { role, ticks }] of end) {
      const before = this.begin.get(pid)?.ticks ?? 0;
      // A process that exited between its listing and its reading reads 0: it counts nothing rather than less.
      byRole[role] += (Math.max(0, ticks - before) * 1000) / TICKS_PER_SECOND;
    }
    return { totalMs: CPU_ROLES.reduce((sum, r) => sum + byRole[r], 0), byRole };
  }
}

function read(roles: RolePids): Reading {
  const reading: Reading = new Map();
  const add = (role: CpuRole, pids: readonly number[]): void => {
    for (const pid of pids) reading.set(pid, { role, ticks: processTicks(pid) });
  };
  add('mariadb', pidsNamed(DATABASE_PROCESS_NAMES));
  add('redis', pidsNamed(REDIS_PROCESS_NAMES));
  for (const role of ['server', 'workers', 'baseline', 'bench'] as const) add(role, roles[role]);
  return reading;
}

/** `spent` per 1,000 of `n` runs, rounded to the ms: what one thousand runs cost each role. */
export function perThousand(spent: CpuSpent, n: number): CpuSpent {
  const scale = (ms: number): number => Math.round((ms * 1000) / Math.max(1, n));
  return {
    totalMs: scale(spent.totalMs),
    byRole: Object.fromEntries(CPU_ROLES.map((r) => [r, scale(spent.byRole[r])])) as Record<CpuRole, number>,
  };
}

/** "server 88, workers 72, mariadb 64, redis 11" (the roles that spent anything). */
export function describeCpu(cost: CpuSpent): string {
  return CPU_ROLES.filter((r) => cost.byRole[r] > 0)
    .map((r) => `${r} ${cost.byRole[r]}`)
    .join(', ');
}

import { DATABASE_PROCESS_NAMES, pidsNamed, processTicks, REDIS_PROCESS_NAMES, systemTicks } from './proc-stat';

/** CPU use of the machine while a scenario ran, in % of all cores (Linux /proc; empty elsewhere). */
export interface CpuShare {
  /** The bench, its server and worker processes. */
  bench: number;
  /** redis-server and mariadbd (shared with anything else using them). */
  services: number;
  /** Everything else: other users of the machine, whose load skews the figures. */
  others: number;
}

interface Snapshot {
  busy: number;
  total: number;
  bench: number;
  services: number;
}

const SERVICE_NAMES = new Set([...REDIS_PROCESS_NAMES, ...DATABASE_PROCESS_NAMES]);

/**
 * Measures who used the CPU between `start()` and `stop()`. Processes that exit in between lose their ticks, so
 * the bench's own processes must stay up until `stop()`.
 */
export class CpuMeter {
  private begin: Snapshot | undefined;
  private readonly services = pidsNamed(SERVICE_NAMES);

  constructor(private readonly benchPids: () => number[]) {}

  private snapshot(): Snapshot | undefined {
    const sys = systemTicks();
    if (!sys) return undefined;
    return {
      ...sys,
      bench: this.benchPids().reduce((s, p) => s + processTicks(p), 0),
      services: this.services.reduce((s, p) => s + processTicks(p), 0),
    };
  }

  start(): void {
    this.begin = this.snapshot();
  }

  stop(): CpuShare | undefined {
    const end = this.snapshot();
    const b = this.begin;
    if (!end || !b || end.total <= b.total) return undefined;
    const total = end.total - b.total;
    const pct = (ticks: number): number => Math.max(0, Math.round((ticks / total) * 1000) / 10);
    const bench = end.bench - b.bench;
    const services = end.services - b.services;
    const others = end.busy - b.busy - bench - services;
    return { bench: pct(bench), services: pct(services), others: pct(others) };
  }
}

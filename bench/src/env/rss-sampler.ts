import { readFileSync } from 'node:fs';

/** A process whose memory is watched. */
export interface RssTarget {
  name: string;
  pid: number;
}

/** What one process's resident memory did while sampled (MB = 2^20 bytes). */
export interface RssSeries {
  name: string;
  pid: number;
  /** Highest VmRSS sampled. */
  peakMb: number;
  /** When the peak was sampled, ms after start(). */
  peakAtMs: number;
  firstMb: number;
  lastMb: number;
  /** VmHWM at stop(): the highest RSS since the process started (earlier scenarios included). */
  hwmMb: number | null;
  samples: number;
  /** [ms after start(), MB], one point per second (the highest of that second), to see growth over time. */
  timeline: [number, number][];
}

/** VmRSS and VmHWM of a process in MB from /proc/<pid>/status (Linux); undefined when unreadable. */
function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    const rss = kb('VmRSS');
    if (Number.isNaN(rss)) return undefined;
    return { rss: rss / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Samples the resident set size of some processes every `intervalMs` (100 ms) from /proc/<pid>/status VmRSS, in
 * the bench process; `stop()` returns each process's peak and a per-second timeline. On a machine without /proc
 * the series stay empty (peak NaN).
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private readonly series = new Map<number, RssSeries & { second: number }>();

  constructor(
    private readonly targets: readonly RssTarget[],
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.started = Date.now();
    for (const t of this.targets) {
      this.series.set(t.pid, {
        ...t,
        peakMb: Number.NaN,
        peakAtMs: 0,
        firstMb: Number.NaN,
        lastMb: Number.NaN,
        hwmMb: null,
        samples: 0,
        timeline: [],
        second: -1,
      });
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  private sample(): void {
    const at = Date.now() - this.started;
    for (const s of this.series.values()) {
      const status = readStatus(s.pid);
      if (!status) continue;
      const mb = status.rss;
      if (s.samples === 0) s.firstMb = mb;
      s.samples++;
      s.lastMb = mb;
      if (!(mb <= s.peakMb)) {
        s.peakMb = mb;
        s.peakAtMs = at;
      }
      const second = Math.floor(at / 1000);
      if (second !== s.second) {
        s.second = second;
        s.timeline.push([second * 1000, round1(mb)]);
      } else {
        const last = s.timeline[s.timeline.length - 1]!;
        if (mb > last[1]) last[1] = round1(mb);
      }
    }
  }

  stop(): RssSeries[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return [...this.series.values()].map(({ second: _second, ...s }) => {
      const hwm = readStatus(s.pid)?.hwm;
      return {
        ...s,
        peakMb: round1(s.peakMb),
        firstMb: round1(s.firstMb),
        lastMb: round1(s.lastMb),
        hwmMb: hwm === undefined || Number.isNaN(hwm) ? null : round1(hwm),
      };
    });
  }
}

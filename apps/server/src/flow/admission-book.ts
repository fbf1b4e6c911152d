import { HoldReason } from '@jobnest/common';

/** A job's flow limits, as of its row lock. */
export interface FlowLimits {
  /** 0: no limit. */
  concurrencyLimit: number;
  /** 0: no limit. */
  rateLimit: number;
  ratePeriodMs: number;
}

/** What MySQL says about one concurrency key of a job, read under the job's lock. */
export interface KeyState {
  /** Unfinished instances not held (started, or let through and waiting for a worker). */
  running: number;
  /** Instances held back, waiting. */
  waiting: number;
  /** When the key's instances were let through within the rate window, oldest first. */
  recentStarts: number[];
}

/** Whether an instance may start now, and if not what holds it and until when at least. */
export type Admission =
  | { admitted: true }
  | { admitted: false; heldBy: HoldReason; reason: string; /** The rate window frees a start then. */ wakeAt?: number };

/**
 * Decides, key by key, which instances of one job may start now, counting each one it lets through so the next
 * decision sees it (pure: the caller reads the state under the job's lock and writes the decisions in the same
 * transaction). One key's load never blocks another key.
 */
export class AdmissionBook {
  private readonly keys = new Map<string, KeyState>();

  /**
   * `running`: the job's unfinished instances not held, over all keys, or at least 1 when any runs (the overlap
   * buffer waits for none).
   */
  constructor(
    private readonly limits: FlowLimits,
    private readonly now: number,
    state: ReadonlyMap<string, KeyState>,
    private running: number,
  ) {
    const since = now - limits.ratePeriodMs;
    for (const [key, s] of state) {
      this.keys.set(key, { ...s, recentStarts: s.recentStarts.filter((t) => t > since).sort((a, b) => a - b) });
    }
  }

  /** A new instance of `key`: it starts now only when nothing of its key waits before it and a limit allows. */
  admitNew(key: string): Admission {
    const state = this.stateOf(key);
    if (state.waiting > 0) {
      state.waiting++;
      return {
        admitted: false,
        heldBy: HoldReason.CONCURRENCY,
        reason: `waiting behind ${state.waiting - 1} earlier instance(s) of concurrency key ${quoteKey(key)}`,
      };
    }
    const admission = this.check(key, state);
    if (admission.admitted) this.count(state);
    else state.waiting++;
    return admission;
  }

  /**
   * A waiting instance of `key`, in the order they should start (priority, then age). A buffered slot (OVERLAP)
   * starts only once nothing of the job runs, then as the limits allow; it stays OVERLAP whatever holds it.
   */
  admitWaiting(key: string, heldBy: HoldReason): Admission {
    const state = this.stateOf(key);
    if (heldBy === HoldReason.OVERLAP && this.running > 0) {
      return {
        admitted: false,
        heldBy,
        // No count: a release of some keys knows only whether any runs (and a reason that does not change is not
        // written again at every release).
        reason: "buffered timer slot: waits for the job's unfinished instances to end",
      };
    }
    const admission = this.check(key, state);
    if (admission.admitted) {
      if (heldBy !== HoldReason.OVERLAP) state.waiting = Math.max(0, state.waiting - 1);
      this.count(state);
      return admission;
    }
    return heldBy === HoldReason.OVERLAP ? { ...admission, heldBy } : admission;
  }

  /** Whether a buffered slot could start now (nothing of the job runs). */
  get idle(): boolean {
    return this.running === 0;
  }

  /**
   * The keys a limit lets no instance of through now (a release does not read their waiting instances). Only keys
   * the book knows of can be full: a key with nothing running and no recent start has room.
   */
  keysWithoutRoom(): string[] {
    return [...this.keys].filter(([key, state]) => !this.check(key, state).admitted).map(([k]) => k);
  }

  /** The earliest time the rate window frees a start for one of `keys` (undefined: none of them is held by it). */
  nextRoomAt(keys: Iterable<string>): number | undefined {
    let at: number | undefined;
    for (const key of keys) {
      const state = this.keys.get(key);
      if (!state) continue;
      const admission = this.check(key, state);
      if (!admission.admitted && admission.wakeAt !== undefined) at = Math.min(at ?? Infinity, admission.wakeAt);
    }
    return at;
  }

  private check(key: string, state: KeyState): Admission {
    const { concurrencyLimit, rateLimit, ratePeriodMs } = this.limits;
    if (concurrencyLimit > 0 && state.running >= concurrencyLimit) {
      return {
        admitted: false,
        heldBy: HoldReason.CONCURRENCY,
        reason: `concurrency key ${quoteKey(key)} has ${state.running} of ${concurrencyLimit} instances running`,
      };
    }
    if (rateLimit > 0 && state.recentStarts.length >= rateLimit) {
      // The start that must leave the window before another fits.
      const wakeAt = state.recentStarts[state.recentStarts.length - rateLimit]! + ratePeriodMs + 1;
      return {
        admitted: false,
        heldBy: HoldReason.RATE_LIMIT,
        reason: `rate limit of concurrency key ${quoteKey(key)}: ${rateLimit} starts per ${ratePeriodMs} ms reached`,
        wakeAt,
      };
    }
    return { admitted: true };
  }

  private count(state: KeyState): void {
    state.running++;
    this.running++;
    state.recentStarts.push(this.now);
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { running: 0, waiting: 0, recentStarts: [] }));
    return state;
  }
}

/** A concurrency key as status reasons name it ('' shown as two quotes; long keys cut). */
export function quoteKey(key: string): string {
  return key === '' ? "''" : `'${key.length > 60 ? `${key.slice(0, 60)}...` : key}'`;
}

/**
 * Longest delay Node's setTimeout honours: past 2^31-1 ms it warns and fires after 1 ms, so a 30-day time limit
 * given to a plain setTimeout would end the run at once.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The timer functions longTimeout chains; injectable so a test can run it on fake time. */
export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A pending longTimeout. */
export interface LongTimeoutHandle {
  /** Cancels it; calling it again, or after it fired, does nothing. */
  clear(): void;
}

const NODE_TIMERS: TimerFunctions = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Calls `callback` once after `ms`, however long: delays above MAX_TIMER_DELAY_MS are a chain of timers of at most
 * that length, so the process holds a single timer at any time. A negative or NaN delay fires on the next timer
 * tick (like setTimeout); Infinity never fires.
 */
export function longTimeout(callback: () => void, ms: number, timers: TimerFunctions = NODE_TIMERS): LongTimeoutHandle {
  let remaining = Number.isNaN(ms) ? 0 : Math.max(0, ms);
  let handle: unknown;
  let cleared = false;
  const arm = (): void => {
    if (remaining <= MAX_TIMER_DELAY_MS) {
      handle = timers.setTimeout(() => {
        if (!cleared) callback();
      }, remaining);
      return;
    }
    remaining -= MAX_TIMER_DELAY_MS;
    handle = timers.setTimeout(() => {
      if (!cleared) arm();
    }, MAX_TIMER_DELAY_MS);
  };
  arm();
  return {
    clear(): void {
      if (cleared) return;
      cleared = true;
      timers.clearTimeout(handle);
    },
  };
}

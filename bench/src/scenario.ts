import type { BenchEnvironment, ProcessNeeds } from './env/bench-environment';

/** A size flag a scenario reads, e.g. `--runs 500` (with `--quick`: `quick`). */
export interface FlagSpec {
  name: string;
  description: string;
  default: number;
  quick: number;
}

/** A goal a metric should meet: `value <op> limit`. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

/** One line of the results table: a figure of Jobnest and the same figure of the baseline. */
export interface MetricRow {
  metric: string;
  unit: string;
  jobnest: number | null;
  baseline: number | null;
  target?: Target;
  /** Shown after the table, e.g. why a figure is missing. */
  note?: string;
}

export interface ScenarioResult {
  rows: MetricRow[];
  /** Everything else worth keeping in the JSON file: distributions, raw samples, counters. */
  details: Record<string, unknown>;
}

export interface ScenarioContext {
  env: BenchEnvironment;
  /** Resolved size flags (defaults, `--quick` defaults, or what the user passed). */
  flag(name: string): number;
  /** Progress on stderr (the table goes to stdout). */
  log(message: string): void;
  /**
   * Runs the Jobnest side of a scenario; with `--profile` the server and worker are CPU-profiled and Redis command
   * statistics are taken around it. `runs`: how many runs or fires the phase makes (for per-run counters).
   */
  jobnestPhase<T>(label: string, runs: number, body: () => Promise<T>): Promise<T>;
  /** The result of a scenario that already ran (successfully) in this run, by name; undefined otherwise. */
  earlier(name: string): ScenarioResult | undefined;
}

/**
 * One benchmark scenario: `npm run bench -- <name>` runs it. A scenario that cannot run yet sets `notRunnableYet`
 * to the reason; it is listed as skipped and asking for it alone says why.
 */
export interface Scenario {
  /** Its number in the tracker (issue 5). */
  id: number;
  name: string;
  title: string;
  /** What the baseline is, in a few words (printed under the table). */
  baseline: string;
  flags: FlagSpec[];
  /**
   * The processes it needs besides the server and one Jobnest worker: more Jobnest workers, BullMQ baseline
   * processes and their queues. The bench starts the union for every selected scenario once, before the first one.
   */
  processes?: ProcessNeeds;
  notRunnableYet?: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

/** For scenarios that wait on a feature. */
export async function notRunnable(reason: string): Promise<never> {
  throw new Error(`not runnable yet: ${reason}`);
}

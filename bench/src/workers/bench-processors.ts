import {
  JobProcessor,
  type BasicProcessor,
  type MapReduceProcessor,
  type ProcessResult,
  type TaskContext,
  type TaskResultSet,
} from '@jobnest/worker';
import { encodeStamp, stamp } from '../clock';

/**
 * Does nothing but tell when it started: the result is `<wall ms>:<monotonic ns>` taken at its very first line,
 * which the bench compares with its own clock (same machine) to get dispatch latency and timer lateness.
 */
@JobProcessor('bench.noop')
export class BenchNoopProcessor implements BasicProcessor {
  async process(): Promise<ProcessResult> {
    const started = stamp();
    return { success: true, result: encodeStamp(started) };
  }
}

/** Instance parameters of `bench.mapreduce` (JSON in instanceParams). */
export type MapReduceBenchParams =
  /** Scenarios 1 and 2: `n` subtasks mapped in ctx.map() calls of `batch` items; each returns its item + 1. */
  | { mode: 'sum'; n: number; batch: number }
  /** Scenario 4: `n` subtasks mapped in one call; the root and each subtask return `<workerId>|<stamp>`. */
  | { mode: 'latency'; n: number };

/** What the root task of a `sum` run returns (stored on its task row). */
export interface SumRootResult {
  mapped: number;
  calls: number;
  /** First ctx.map() call -> the last one resolved, ms. */
  mapMs: number;
  workerId: string;
}

/** What reduce returns in a `sum` run (the instance's result). */
export interface SumReduceResult {
  count: number;
  sum: number;
  expected: number;
  failed: number;
  reduceMs: number;
  workerId: string;
}

function params(ctx: TaskContext): MapReduceBenchParams {
  return JSON.parse(ctx.instanceParams ?? '{}') as MapReduceBenchParams;
}

/**
 * The MapReduce of the bench. `sum`: the root maps the items 0..n-1 (as numbers, the smallest payload) in batches;
 * each subtask returns its item + 1; reduce sums the results and fails unless it got n of them summing to
 * n(n+1)/2. `latency`: the root stamps right after `await ctx.map()` returns, each subtask at its first line; both
 * return `<workerId>|<wall ms>:<monotonic ns>`, which the bench reads from the task list.
 */
@JobProcessor('bench.mapreduce')
export class BenchMapReduceProcessor implements MapReduceProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const started = stamp();
    if (!ctx.isRootTask()) {
      if (ctx.taskName === 'LATENCY') return { success: true, result: `${ctx.workerId}|${encodeStamp(started)}` };
      return { success: true, result: String((ctx.subtask as number) + 1) };
    }
    const p = params(ctx);
    if (p.mode === 'latency') {
      await ctx.map(
        Array.from({ length: p.n }, (_, i) => i),
        'LATENCY',
      );
      const mapped = stamp();
      return { success: true, result: `${ctx.workerId}|${encodeStamp(mapped)}` };
    }
    const t0 = Date.now();
    let calls = 0;
    for (let from = 0; from < p.n; from += p.batch) {
      const to = Math.min(p.n, from + p.batch);
      const items = new Array<number>(to - from);
      for (let i = from; i < to; i++) items[i - from] = i;
      await ctx.map(items, 'SUM');
      calls++;
    }
    const root: SumRootResult = { mapped: p.n, calls, mapMs: Date.now() - t0, workerId: ctx.workerId };
    return { success: true, result: JSON.stringify(root) };
  }

  async reduce(ctx: TaskContext, results: TaskResultSet): Promise<ProcessResult> {
    const t0 = Date.now();
    const p = params(ctx);
    let count = 0;
    let sum = 0;
    let failed = 0;
    for await (const r of results) {
      if (!r.success) failed++;
      else {
        count++;
        if (p.mode === 'sum') sum += Number(r.result);
      }
    }
    if (p.mode === 'latency')
      return { success: failed === 0 && count === p.n, result: JSON.stringify({ count, failed }) };
    const expected = (p.n * (p.n + 1)) / 2;
    const out: SumReduceResult = { count, sum, expected, failed, reduceMs: Date.now() - t0, workerId: ctx.workerId };
    return { success: failed === 0 && count === p.n && sum === expected, result: JSON.stringify(out) };
  }
}

/** What `bench.timestamps` returns (JSON): its node, its worker and `<wall ms>:<monotonic ns>` stamps. */
export interface TimestampsResult {
  /** The workflow node id (null outside a workflow). */
  node: string | null;
  worker: string;
  /** Taken at the processor's first line. */
  start: string;
  /** Taken right before it returns. */
  end: string;
}

/**
 * A no-op workflow node (scenario 6): tells when it started and when it ended, both on the machine's monotonic
 * clock, so the bench measures the gap between one node's end and the next node's start across processes.
 */
@JobProcessor('bench.timestamps')
export class BenchTimestampsProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const start = stamp();
    const out: TimestampsResult = {
      node: ctx.workflow?.nodeId ?? null,
      worker: ctx.workerId,
      start: encodeStamp(start),
      end: '',
    };
    out.end = encodeStamp(stamp());
    return { success: true, result: JSON.stringify(out) };
  }
}

/** Every processor of the bench worker host; scenarios that need more add theirs here. */
export const BENCH_PROCESSORS = [BenchNoopProcessor, BenchMapReduceProcessor, BenchTimestampsProcessor];

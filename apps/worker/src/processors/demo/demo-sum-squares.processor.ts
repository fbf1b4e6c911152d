import {
  JobProcessor,
  type MapReduceProcessor,
  type ProcessResult,
  type TaskContext,
  type TaskResultSet,
} from '@jobnest/worker';
import { sleep, taskParams } from '../processor-params';

/** Parameters (JSON in instanceParams or jobParams); every field is optional. */
interface SumSquaresParams {
  /** Sum of squares of 1..n. (Default: 200000) */
  n: number;
  /** Numbers per leaf subtask. (Default: 100) */
  chunk: number;
  /** 2: root -> CHUNK tasks of `bigChunk` numbers -> RANGE tasks. (Default: 1) */
  levels: number;
  /** Numbers per CHUNK task when levels = 2. (Default: 10000) */
  bigChunk: number;
  /** Every `failEvery`-th RANGE task fails its first `failTimes` attempts. (Default: 0, 0) */
  failEvery: number;
  failTimes: number;
  /** Each RANGE task sleeps this long (abort-aware). (Default: 0) */
  sleepMs: number;
  /** Each RANGE task logs one line `ran range <from>` (to count executions). (Default: false) */
  logEachTask: boolean;
  /** With levels = 1, the root maps its ranges in this many ctx.map() calls at once. (Default: 1) */
  parallelMaps: number;
}

interface Range {
  from: number;
  to: number;
  index: number;
}

const DEFAULTS: SumSquaresParams = {
  n: 200_000,
  chunk: 100,
  levels: 1,
  bigChunk: 10_000,
  failEvery: 0,
  failTimes: 0,
  sleepMs: 0,
  logEachTask: false,
  parallelMaps: 1,
};

function params(ctx: TaskContext): SumSquaresParams {
  const raw = taskParams(ctx);
  return { ...DEFAULTS, ...(raw ? (JSON.parse(raw) as Partial<SumSquaresParams>) : {}) };
}

function ranges(from: number, to: number, size: number, firstIndex: number): Range[] {
  const out: Range[] = [];
  for (let start = from, i = firstIndex; start <= to; start += size, i++)
    out.push({ from: start, to: Math.min(to, start + size - 1), index: i });
  return out;
}

/**
 * MapReduce demo: the sum of squares of 1..n, split into RANGE subtasks (optionally through CHUNK subtasks, a
 * two-level map), reduced by adding the partial sums. Run as MAP it only counts the tasks.
 */
@JobProcessor('demo.sum-squares')
export class DemoSumSquaresProcessor implements MapReduceProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const p = params(ctx);
    if (ctx.isRootTask()) {
      if (p.levels === 2) {
        const chunks = ranges(1, p.n, p.bigChunk, 0);
        await ctx.map(chunks, 'CHUNK');
        return { success: true, result: `mapped ${chunks.length} chunks` };
      }
      const leaves = ranges(1, p.n, p.chunk, 0);
      // Several calls at once commit their rows out of id order (what the TaskTracker's cursor must cope with).
      const parts = Math.max(1, Math.floor(p.parallelMaps));
      const per = Math.ceil(leaves.length / parts);
      const calls: Promise<void>[] = [];
      for (let i = 0; i < leaves.length; i += per) calls.push(ctx.map(leaves.slice(i, i + per), 'RANGE'));
      await Promise.all(calls);
      return { success: true, result: `mapped ${leaves.length} ranges` };
    }
    const range = ctx.subtask as Range;
    if (ctx.taskName === 'CHUNK') {
      const leaves = ranges(range.from, range.to, p.chunk, range.index * Math.ceil(p.bigChunk / p.chunk));
      await ctx.map(leaves, 'RANGE');
      return { success: true, result: `mapped ${leaves.length} ranges` };
    }
    if (p.logEachTask) ctx.logger.info(`ran range ${range.from}`);
    if (p.failEvery > 0 && range.index % p.failEvery === 0 && ctx.attempt <= p.failTimes) {
      throw new Error(`planned failure of range ${range.from} (attempt ${ctx.attempt})`);
    }
    if (p.sleepMs > 0) await sleep(p.sleepMs, ctx.signal);
    let sum = 0;
    for (let k = range.from; k <= range.to; k++) sum += k * k;
    return { success: true, result: String(sum) };
  }

  async reduce(ctx: TaskContext, results: TaskResultSet): Promise<ProcessResult> {
    let sum = 0;
    let ranges = 0;
    let failed = 0;
    for await (const r of results) {
      if (r.taskName !== 'RANGE') continue;
      if (!r.success) failed++;
      else {
        sum += Number(r.result);
        ranges++;
      }
    }
    ctx.logger.info(`reduce ran: ${ranges} ranges, ${failed} failed`);
    // As a workflow node, later nodes read the sum from the context.
    if (failed === 0) ctx.workflow?.set('sumSquares', sum);
    return { success: failed === 0, result: JSON.stringify({ sum, ranges, failed }) };
  }
}

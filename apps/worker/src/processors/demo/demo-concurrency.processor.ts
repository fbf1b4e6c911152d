import { JobProcessor, type MapProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { sleep, taskParams } from '../processor-params';

/** Subtasks of each instance running in this process right now. */
const runningByInstance = new Map<string, number>();

/**
 * MAP demo that measures the job's `concurrency`: the root maps `count` SLOT subtasks (Default: 40), each sleeps
 * `sleepMs` (Default: 300) and returns how many SLOT subtasks of its instance ran in this worker process when it
 * started (itself included), as `{"workerId","runningAtStart"}`. The largest value per worker is its peak.
 */
@JobProcessor('demo.concurrency')
export class DemoConcurrencyProcessor implements MapProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const raw = taskParams(ctx);
    const p = { count: 40, sleepMs: 300, ...(raw ? (JSON.parse(raw) as { count?: number; sleepMs?: number }) : {}) };
    if (ctx.isRootTask()) {
      await ctx.map(
        Array.from({ length: p.count }, (_, index) => ({ index })),
        'SLOT',
      );
      return { success: true, result: `mapped ${p.count} slots` };
    }
    const key = String(ctx.instanceId);
    const runningAtStart = (runningByInstance.get(key) ?? 0) + 1;
    runningByInstance.set(key, runningAtStart);
    try {
      await sleep(p.sleepMs, ctx.signal);
    } finally {
      const left = (runningByInstance.get(key) ?? 1) - 1;
      if (left === 0) runningByInstance.delete(key);
      else runningByInstance.set(key, left);
    }
    return { success: true, result: JSON.stringify({ workerId: ctx.workerId, runningAtStart }) };
  }
}

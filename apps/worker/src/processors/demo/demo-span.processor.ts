import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { sleep } from '../processor-params';

/**
 * Sleeps the job's params in milliseconds (Default: 500; instance params are left to the job's concurrency key) and
 * returns when it ran on this worker's clock, `{"start","end","workerId"}`: tests measure flow control from these.
 * Stopped, it still answers its span, with `"stopped": true`.
 */
@JobProcessor('demo.span')
export class DemoSpanProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const raw = ctx.jobParams?.trim();
    const ms = raw ? Number(raw) : 500;
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new Error(`demo.span job params must be milliseconds (got '${raw}')`);
    const start = Date.now();
    let stopped = false;
    await sleep(ms, ctx.signal).catch(() => (stopped = true));
    const span = { start, end: Date.now(), workerId: ctx.workerId, ...(stopped ? { stopped } : {}) };
    return { success: !stopped, result: JSON.stringify(span) };
  }
}

import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { errorMessage } from '@jobnest/common';
import { sleep, taskParams } from '../processor-params';

/**
 * Sleeps (abort-aware) a different time on each run of the instance: params `60000,500` sleep 60 s on run 1 and
 * 500 ms on run 2 and after (the last value repeats). Shows what happens to the first run of a retried instance.
 */
@JobProcessor('demo.sleep-per-run')
export class DemoSleepPerRunProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const values = (taskParams(ctx) ?? '1000').split(',').map((v) => Number(v.trim()));
    if (values.some((v) => !Number.isSafeInteger(v) || v < 0)) {
      throw new Error(`demo.sleep-per-run params must be whole numbers of milliseconds (got '${taskParams(ctx)}')`);
    }
    const ms = values[Math.min(ctx.runningTimes, values.length) - 1]!;
    ctx.logger.info(`run ${ctx.runningTimes} on ${ctx.workerId} sleeping ${ms} ms`);
    try {
      await sleep(ms, ctx.signal);
    } catch (reason) {
      ctx.logger.warn(`run ${ctx.runningTimes} on ${ctx.workerId} aborted: ${errorMessage(reason)}`);
      throw reason;
    }
    return { success: true, result: `run ${ctx.runningTimes} on ${ctx.workerId} slept ${ms} ms` };
  }
}

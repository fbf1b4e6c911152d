import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { errorMessage } from '@jobnest/common';
import { countParam, sleep } from '../processor-params';

/** Sleeps for the params' milliseconds (Default: 60000); shows stop and time limits through ctx.signal. */
@JobProcessor('demo.sleep')
export class DemoSleepProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const ms = countParam(ctx, 60_000, 'demo.sleep params (milliseconds)');
    ctx.logger.info(`sleeping ${ms} ms`);
    try {
      await sleep(ms, ctx.signal);
    } catch (reason) {
      ctx.logger.warn(`aborted: ${errorMessage(reason)}`);
      throw reason;
    }
    return { success: true, result: `slept ${ms} ms` };
  }
}

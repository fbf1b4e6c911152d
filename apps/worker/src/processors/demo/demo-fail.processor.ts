import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';

/** Always fails: shows task retries (attempt) and instance retries (runningTimes). */
@JobProcessor('demo.fail')
export class DemoFailProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    ctx.logger.info(`attempt ${ctx.attempt} of run ${ctx.runningTimes}`);
    throw new Error('demo failure');
  }
}

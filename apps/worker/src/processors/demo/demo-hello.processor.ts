import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { sleep, taskParams } from '../processor-params';

/** Logs three steps ~100 ms apart and greets with the params. */
@JobProcessor('demo.hello')
export class DemoHelloProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    for (let step = 1; step <= 3; step++) {
      if (step > 1) await sleep(100, ctx.signal);
      ctx.logger.info(`step ${step}/3`);
    }
    return { success: true, result: `hello from ${ctx.workerId}: ${taskParams(ctx) ?? ''}` };
  }
}

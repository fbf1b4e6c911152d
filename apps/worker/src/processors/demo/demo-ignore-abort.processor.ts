import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { errorMessage } from '@jobnest/common';
import { countParam } from '../processor-params';

/**
 * Runs for the params' milliseconds (Default: 20000) and never looks at its signal (it only logs the abort): shows
 * that a time limit or stop does not wait for a processor that ignores the signal, and that its late result is dropped.
 */
@JobProcessor('demo.ignore-abort')
export class DemoIgnoreAbortProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const ms = countParam(ctx, 20_000, 'demo.ignore-abort params (milliseconds)');
    ctx.logger.info(`running ${ms} ms, deaf to the signal`);
    ctx.signal.addEventListener(
      'abort',
      () => ctx.logger.info(`ignoring the abort: ${errorMessage(ctx.signal.reason)}`),
      {
        once: true,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, ms));
    ctx.logger.info('finished after ignoring the abort');
    return { success: true, result: 'finished late' };
  }
}

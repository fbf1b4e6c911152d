import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { taskParams } from '../processor-params';

/** Returns its params at once. */
@JobProcessor('demo.echo')
export class DemoEchoProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    return { success: true, result: taskParams(ctx) ?? '' };
  }
}

import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';

/** `example.greet`: greets the name given as instance params (Default: world). */
@JobProcessor('example.greet')
export class GreetProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const name = ctx.instanceParams || 'world';
    ctx.logger.info(`greeting ${name} from worker ${ctx.workerId}`);
    return { success: true, result: `greetings, ${name}` };
  }
}

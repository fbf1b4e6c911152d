import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { countParam } from '../processor-params';

/** Writes `line 1` .. `line N` (params = N, Default: 20): shows log shipping and ordering. */
@JobProcessor('demo.logs')
export class DemoLogsProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const count = countParam(ctx, 20, 'demo.logs params (line count)');
    for (let i = 1; i <= count; i++) ctx.logger.info(`line ${i}`);
    return { success: true, result: `logged ${count} lines` };
  }
}

import { JobProcessor, type MapProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { countParam } from '../processor-params';

/**
 * A MAP processor without reduce(): the root maps `n` items (params, default 10), each subtask logs `subtask ran`.
 * Run as MAP it succeeds; run as MAP_REDUCE the worker refuses the instance before any task runs.
 */
@JobProcessor('demo.map-only')
export class DemoMapOnlyProcessor implements MapProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    if (ctx.isRootTask()) {
      ctx.logger.info('root ran');
      const n = countParam(ctx, 10, 'demo.map-only params');
      await ctx.map(
        Array.from({ length: n }, (_, i) => i),
        'ITEM',
      );
      return { success: true };
    }
    ctx.logger.info('subtask ran');
    return { success: true, result: String(ctx.subtask) };
  }
}

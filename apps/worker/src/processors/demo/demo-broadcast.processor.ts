import {
  JobProcessor,
  type BroadcastProcessor,
  type ProcessResult,
  type TaskContext,
  type TaskResultSet,
} from '@jobnest/worker';

/** Broadcast demo: every eligible worker answers with its id; postProcess lists who answered. */
@JobProcessor('demo.broadcast')
export class DemoBroadcastProcessor implements BroadcastProcessor {
  async preProcess(ctx: TaskContext): Promise<ProcessResult> {
    ctx.logger.info(`preProcess on ${ctx.workerId}`);
    return { success: true };
  }

  async process(ctx: TaskContext): Promise<ProcessResult> {
    ctx.logger.info(`process on ${ctx.workerId}`);
    return { success: true, result: ctx.workerId };
  }

  async postProcess(ctx: TaskContext, results: TaskResultSet): Promise<ProcessResult> {
    const all = await results.toArray();
    ctx.logger.info(`postProcess saw ${all.length} results`);
    const failed = all.filter((r) => !r.success).length;
    // As a workflow node, later nodes read who answered from the context.
    if (failed === 0) ctx.workflow?.set('broadcastWorkers', all.map((r) => r.result).sort());
    return { success: failed === 0, result: JSON.stringify(all.map((r) => r.result).sort()) };
  }
}

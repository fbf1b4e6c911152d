import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { sleep } from '../processor-params';

/** Parameters of a workflow step (the job's params, or the node's `params`); every field is optional. */
interface WorkflowStepParams {
  /** Keys to add to the workflow context. (Default: none) */
  set?: Record<string, unknown>;
  /** Sleep this long first (abort-aware). (Default: 0) */
  sleepMs?: number;
  /** Fail (after sleeping). (Default: false) */
  fail?: boolean;
}

/**
 * A workflow node for the demo and the tests: sleeps, adds the keys of `set` to the workflow context, fails when
 * asked; its result is the node id and the context it saw, as JSON (so a test can check what each node read).
 */
@JobProcessor('demo.workflow-step')
export class DemoWorkflowStepProcessor implements BasicProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const p = ctx.jobParams ? (JSON.parse(ctx.jobParams) as WorkflowStepParams) : {};
    if (p.sleepMs) await sleep(p.sleepMs, ctx.signal);
    const seen = { node: ctx.workflow?.nodeId ?? null, context: ctx.workflow?.context ?? null };
    ctx.logger.info(`workflow step ${seen.node ?? '(no workflow)'} ran`);
    if (p.fail) return { success: false, result: JSON.stringify({ ...seen, failed: true }) };
    for (const [key, value] of Object.entries(p.set ?? {})) ctx.workflow?.set(key, value);
    return { success: true, result: JSON.stringify(seen) };
  }
}

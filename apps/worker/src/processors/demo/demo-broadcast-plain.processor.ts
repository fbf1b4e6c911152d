import { JobProcessor, type BroadcastProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { sleep, taskParams } from '../processor-params';

interface BroadcastPlainParams {
  /** Workers whose task sleeps `sleepMs` (abort-aware) before it answers. (Default: none) */
  sleepOn: string[];
  sleepMs: number;
  /** Workers whose task fails. (Default: none) */
  failOn: string[];
}

/**
 * Broadcast without preProcess or postProcess (the SDK's default outcome applies): every eligible worker logs
 * `process on <workerId>` and answers with its id; params (JSON) make some workers slow or failing.
 */
@JobProcessor('demo.broadcast-plain')
export class DemoBroadcastPlainProcessor implements BroadcastProcessor {
  async process(ctx: TaskContext): Promise<ProcessResult> {
    const raw = taskParams(ctx);
    const p: BroadcastPlainParams = {
      sleepOn: [],
      sleepMs: 0,
      failOn: [],
      ...(raw ? (JSON.parse(raw) as Partial<BroadcastPlainParams>) : {}),
    };
    ctx.logger.info(`process on ${ctx.workerId}`);
    if (p.sleepOn.includes(ctx.workerId)) await sleep(p.sleepMs, ctx.signal);
    if (p.failOn.includes(ctx.workerId)) throw new Error(`planned failure on ${ctx.workerId}`);
    return { success: true, result: ctx.workerId };
  }
}

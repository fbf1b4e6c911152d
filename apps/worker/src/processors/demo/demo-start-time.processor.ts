import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';

/** Returns the time (epoch ms, this worker's clock) at which the processor was started: shows timer precision. */
@JobProcessor('demo.start-time')
export class DemoStartTimeProcessor implements BasicProcessor {
  async process(_ctx: TaskContext): Promise<ProcessResult> {
    return { success: true, result: String(Date.now()) };
  }
}

import { JobProcessor, type BasicProcessor, type ProcessResult } from '@jobnest/worker';
import { encodeStamp, stamp } from '../clock';

/**
 * Does nothing but tell when it started: the result is `<wall ms>:<monotonic ns>` taken at its very first line,
 * which the bench compares with its own clock (same machine) to get dispatch latency and timer lateness.
 */
@JobProcessor('bench.noop')
export class BenchNoopProcessor implements BasicProcessor {
  async process(): Promise<ProcessResult> {
    const started = stamp();
    return { success: true, result: encodeStamp(started) };
  }
}

/** Every processor of the bench worker host; scenarios that need more (map, reduce...) add theirs here. */
export const BENCH_PROCESSORS = [BenchNoopProcessor];

import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { encodeStamp, stamp } from '../clock';
import { BASELINE_QUEUE } from './baseline-queues';

/** A BullMQ processor of the baseline, built once per Worker. */
export type BaselineProcessor = (job: Job) => Promise<unknown>;

/** What the processors may need from the process: the Redis and prefix to produce on (scenario 4). */
export interface BaselineProcessorDeps {
  connection: Redis;
  prefix: string;
  /** Queues a processor created; closed with the process. */
  queues: Queue[];
}

/** Does nothing but tell when it started: `<wall ms>:<monotonic ns>` taken at its first line. */
const noop: BaselineProcessor = async () => encodeStamp(stamp());

/** The processor of each queue (a queue not listed here runs `noop`). */
export function baselineProcessor(queue: string, deps: BaselineProcessorDeps): BaselineProcessor {
  switch (queue) {
    case BASELINE_QUEUE.flowChildren:
      // Scenario 1: a child of the flow returns a number (its index + 1), like the Jobnest subtask.
      return async (job) => Number(job.data) + 1;
    case BASELINE_QUEUE.flowParent:
      // Scenario 1: the parent sums its children's values and checks the sum, like the Jobnest reduce.
      return async (job) => {
        const { n } = job.data as { n: number };
        const values = await job.getChildrenValues<number>();
        let count = 0;
        let sum = 0;
        for (const key in values) {
          count++;
          sum += Number(values[key]);
        }
        const expected = (n * (n + 1)) / 2;
        if (count !== n || sum !== expected)
          throw new Error(`children: ${count} of ${n}, sum ${sum}, expected ${expected}`);
        return { count, sum };
      };
    case BASELINE_QUEUE.latencySource: {
      // Scenario 4: add a job for the other process, then stamp (the Jobnest root stamps right after ctx.map()).
      const target = new Queue(BASELINE_QUEUE.latencyTarget, { connection: deps.connection, prefix: deps.prefix });
      deps.queues.push(target);
      return async () => {
        const added = await target.add('target', {}, { removeOnComplete: false, removeOnFail: false });
        const after = stamp();
        return `${process.pid}|${encodeStamp(after)}|${added.id}`;
      };
    }
    case BASELINE_QUEUE.latencyTarget:
      return async () => `${process.pid}|${encodeStamp(stamp())}`;
    case BASELINE_QUEUE.workflow:
      // Scenario 6: a flow node stamps its first line and its return, like the Jobnest `bench.timestamps`.
      return async (job) => {
        const start = stamp();
        const out = { node: job.name, worker: String(process.pid), start: encodeStamp(start), end: '' };
        out.end = encodeStamp(stamp());
        return JSON.stringify(out);
      };
    default:
      return noop;
  }
}

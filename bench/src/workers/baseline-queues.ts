/** Names of the BullMQ baseline queues (shared by the scenarios, which produce, and the baseline processes). */
export const BASELINE_QUEUE = {
  /** Scenario 3: one no-op job at a time. */
  dispatch: 'dispatch',
  /** Scenario 5: job scheduler fires. */
  timers: 'timers',
  /** Scenario 1: the FlowProducer's children (one number each) ... */
  flowChildren: 'mr-children',
  /** ... and their parent, which sums getChildrenValues(). */
  flowParent: 'mr-parent',
  /** Scenario 4: a job whose processor adds a job to `latencyTarget` (consumed by another process). */
  latencySource: 'latency-source',
  latencyTarget: 'latency-target',
  /** Scenario 6: the FlowProducer flows (a chain of 20, a parent with N children); each job stamps start and end. */
  workflow: 'workflow',
  /** Scenario 7: the burst and bulk no-op jobs (two processes, concurrency 50 each) ... */
  throughput: 'throughput',
  /** ... and the fires of its 100 per-second job schedulers. */
  throughputCron: 'throughput-cron',
} as const;

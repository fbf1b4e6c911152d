import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import {
  createMapReduceJob,
  MAP_BATCH,
  MAP_REDUCE_PROCESSES,
  MR_CONCURRENCY,
  MR_WORKERS,
  peakOf,
  runFlow,
  runSumInstance,
  WARMUP_SUBTASKS,
} from './map-reduce-run';

/** The Jobnest figure must be at least this many times the FlowProducer's. */
const TARGET_FACTOR = 3;
/** A run (either side) that takes longer than this fails the scenario. */
const TIME_LIMIT_MS = 10 * 60_000;

/**
 * Scenario 1: MapReduce throughput. One MAP_REDUCE instance whose root maps `--mr-subtasks` no-op subtasks (in
 * ctx.map() calls of 10,000) over 2 Jobnest workers, reduce sums their results and checks the sum: subtasks/s from
 * POST /run answered to SUCCEEDED. Baseline: BullMQ FlowProducer, 1 parent + the same number of children on queues
 * of their own, 2 Worker processes; the parent sums getChildrenValues(): subtasks/s from flow.add called to the
 * parent completed (2.8k-6.9k children/s from run to run on 2 cores).
 */
export const mapreduceScenario: Scenario = {
  id: 1,
  name: 'mapreduce',
  title: 'MapReduce throughput (subtasks/s, end to end)',
  baseline: `BullMQ FlowProducer: 1 parent + N children (queues of their own), ${MR_WORKERS} Worker processes (children concurrency ${MR_CONCURRENCY}), same Redis`,
  processes: MAP_REDUCE_PROCESSES,
  flags: [
    {
      name: 'mr-subtasks',
      description: 'subtasks of the MapReduce instance (scenario 1)',
      default: 100_000,
      quick: 10_000,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const n = ctx.flag('mr-subtasks');
    const jobId = await createMapReduceJob(ctx, 'mapreduce', MR_CONCURRENCY);

    ctx.log(`mapreduce: Jobnest warm-up (${WARMUP_SUBTASKS} subtasks, not measured)`);
    const jobnestWarmup = await runSumInstance(ctx, jobId, WARMUP_SUBTASKS, {
      label: 'jobnest warm-up',
      timeLimitMs: TIME_LIMIT_MS,
      quiet: true,
    });
    ctx.log(
      `mapreduce: Jobnest, 1 MAP_REDUCE instance of ${n.toLocaleString('en-US')} subtasks over ${MR_WORKERS} workers (concurrency ${MR_CONCURRENCY})`,
    );
    const jobnest = await ctx.jobnestPhase('mapreduce', 1, () =>
      runSumInstance(ctx, jobId, n, { label: 'jobnest', timeLimitMs: TIME_LIMIT_MS, sampleRss: true }),
    );
    ctx.log(
      `mapreduce: Jobnest ${jobnest.subtasksPerSecond.toLocaleString('en-US')} subtasks/s (${(jobnest.endToEndMs / 1000).toFixed(1)} s)`,
    );
    await ctx.env.client.deleteJob(jobId).catch(() => undefined);

    ctx.log(`mapreduce: BullMQ warm-up (flow of ${WARMUP_SUBTASKS} children, not measured)`);
    const flowWarmup = await runFlow(ctx, WARMUP_SUBTASKS, {
      label: 'bullmq warm-up',
      timeLimitMs: TIME_LIMIT_MS,
      quiet: true,
    });
    ctx.log(
      `mapreduce: BullMQ FlowProducer, 1 parent + ${n.toLocaleString('en-US')} children over ${MR_WORKERS} Worker processes`,
    );
    const baseline = await runFlow(ctx, n, { label: 'bullmq', timeLimitMs: TIME_LIMIT_MS });
    ctx.log(
      `mapreduce: BullMQ ${baseline.subtasksPerSecond.toLocaleString('en-US')} subtasks/s (${(baseline.endToEndMs / 1000).toFixed(1)} s)`,
    );

    const rows: MetricRow[] = [
      {
        metric: 'subtasks/s, end to end',
        unit: 'subtasks/s',
        jobnest: jobnest.subtasksPerSecond,
        baseline: baseline.subtasksPerSecond,
        target: { op: '>=', value: TARGET_FACTOR * baseline.subtasksPerSecond },
        note:
          `${n.toLocaleString('en-US')} subtasks; target = ${TARGET_FACTOR}x the FlowProducer's subtasks/s in this run; ` +
          `Jobnest job concurrency ${MR_CONCURRENCY} per worker, BullMQ children Workers concurrency ${MR_CONCURRENCY} per process`,
      },
      {
        metric: 'time to finished',
        unit: 's',
        jobnest: round1(jobnest.endToEndMs / 1000),
        baseline: round1(baseline.endToEndMs / 1000),
      },
      {
        metric: 'enqueue: ctx.map() calls | flow.add',
        unit: 's',
        jobnest: jobnest.root ? round1(jobnest.root.mapMs / 1000) : null,
        baseline: round1(baseline.addMs / 1000),
      },
      {
        metric: 'TaskTracker worker peak RSS',
        unit: 'MB',
        jobnest: peakOf(jobnest.rss, jobnest.trackerWorkerId),
        baseline: null,
      },
    ];
    return {
      rows,
      details: {
        subtasks: n,
        jobnestWorkers: MR_WORKERS,
        baselineWorkerProcesses: MR_WORKERS,
        concurrency: MR_CONCURRENCY,
        mapBatch: MAP_BATCH,
        warmupSubtasks: WARMUP_SUBTASKS,
        definitions: {
          jobnest:
            'POST /jobs/:id/run answered -> the instance finishedTime (server clock when it stored SUCCEEDED); the root maps the items 0..n-1 in ctx.map() calls of mapBatch, each subtask returns item + 1, reduce sums and checks n(n+1)/2',
          baseline:
            'flow.add called -> the parent job finishedOn (its Worker completed it); children on their own queue (concurrency per process), the parent on its own queue sums getChildrenValues() and checks n(n+1)/2',
          subtasksPerSecond: 'subtasks / end-to-end seconds',
        },
        jobnest: { ...jobnest, warmup: summaryOf(jobnestWarmup) },
        baseline: {
          ...baseline,
          warmup: { endToEndMs: flowWarmup.endToEndMs, subtasksPerSecond: flowWarmup.subtasksPerSecond },
        },
      },
    };
  },
};

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function summaryOf(run: {
  endToEndMs: number;
  subtasksPerSecond: number;
  trackerWorkerId: string | null;
}): Record<string, unknown> {
  return { endToEndMs: run.endToEndMs, subtasksPerSecond: run.subtasksPerSecond, trackerWorkerId: run.trackerWorkerId };
}

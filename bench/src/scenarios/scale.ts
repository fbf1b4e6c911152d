import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import {
  createMapReduceJob,
  MAP_BATCH,
  MapReduceRunError,
  MR_CONCURRENCY,
  MR_WORKERS,
  peakOf,
  runSumInstance,
  WARMUP_SUBTASKS,
} from './map-reduce-run';

/** Subtasks/s must stay within this share of scenario 1's (when it ran in the same run). */
const WITHIN = 0.2;
/** Peak RSS of the TaskTracker's worker process, MB. */
const RSS_TARGET_MB = 300;
/** The run is stopped (and the scenario fails, saying how far it got) after this long. */
const TIME_LIMIT_MS = 15 * 60_000;

/**
 * Scenario 2: scale. The same MAP_REDUCE job as scenario 1 with `--scale-subtasks` (1,000,000) subtasks over 2
 * Jobnest workers: subtasks/s end to end (target: within 20% of scenario 1's figure when both ran in this run) and
 * the peak RSS of the TaskTracker's worker (VmRSS sampled every 100 ms; target <= 300 MB). No baseline: a
 * million-children BullMQ flow is not what a user would run (and scenario 1 already compares).
 */
export const scaleScenario: Scenario = {
  id: 2,
  name: 'scale',
  title: 'scale: 1,000,000 subtasks, throughput and TaskTracker peak RSS',
  baseline: 'none (Jobnest only; scenario 1 has the FlowProducer comparison)',
  processes: { jobnestWorkers: MR_WORKERS },
  flags: [
    {
      name: 'scale-subtasks',
      description: 'subtasks of the scale instance (scenario 2)',
      default: 1_000_000,
      quick: 50_000,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const n = ctx.flag('scale-subtasks');
    const jobId = await createMapReduceJob(ctx, 'scale', MR_CONCURRENCY);
    ctx.log(`scale: Jobnest warm-up (${WARMUP_SUBTASKS} subtasks, not measured)`);
    await runSumInstance(ctx, jobId, WARMUP_SUBTASKS, {
      label: 'jobnest warm-up',
      timeLimitMs: TIME_LIMIT_MS,
      quiet: true,
    });
    ctx.log(
      `scale: Jobnest, 1 MAP_REDUCE instance of ${n.toLocaleString('en-US')} subtasks over ${MR_WORKERS} workers (concurrency ${MR_CONCURRENCY}), RSS sampled every 100 ms`,
    );
    let run;
    try {
      run = await ctx.jobnestPhase('scale', 1, () =>
        runSumInstance(ctx, jobId, n, { label: 'jobnest', timeLimitMs: TIME_LIMIT_MS, sampleRss: true }),
      );
    } catch (err) {
      if (err instanceof MapReduceRunError) {
        const peaks = (err.partial.rss ?? []).map((s) => `${s.name} ${s.peakMb} MB`).join(', ');
        throw new Error(`${err.message}; peak RSS so far: ${peaks || 'not sampled'}`, { cause: err });
      }
      throw err;
    } finally {
      await ctx.env.client.deleteJob(jobId).catch(() => undefined);
    }
    ctx.log(
      `scale: ${run.subtasksPerSecond.toLocaleString('en-US')} subtasks/s (${(run.endToEndMs / 1000).toFixed(1)} s)`,
    );

    const mr = ctx.earlier('mapreduce')?.details.jobnest as { subtasksPerSecond?: number; n?: number } | undefined;
    const reference = mr?.subtasksPerSecond;
    const tracker = run.trackerWorkerId;
    const other = ctx.env.jobnestWorkerIds.filter((id) => id !== tracker);
    const rows: MetricRow[] = [
      {
        metric: 'subtasks/s, end to end',
        unit: 'subtasks/s',
        jobnest: run.subtasksPerSecond,
        baseline: null,
        ...(reference ? { target: { op: '>=', value: Math.round(reference * (1 - WITHIN)) } } : {}),
        note:
          `${n.toLocaleString('en-US')} subtasks; no baseline; ` +
          (reference
            ? `target = within ${WITHIN * 100}% of scenario 1's ${reference.toLocaleString('en-US')}/s (${(mr?.n ?? 0).toLocaleString('en-US')} subtasks) in this run`
            : `scenario 1 did not run in this run: no verdict (target: within ${WITHIN * 100}% of its subtasks/s)`),
      },
      { metric: 'time to finished', unit: 's', jobnest: Math.round(run.endToEndMs / 100) / 10, baseline: null },
      {
        metric: 'TaskTracker worker peak RSS',
        unit: 'MB',
        jobnest: peakOf(run.rss, tracker),
        baseline: null,
        target: { op: '<=', value: RSS_TARGET_MB },
        note: `TaskTracker = ${tracker ?? '?'} (the instance's worker); VmRSS sampled every 100 ms during the run`,
      },
      ...other.map((id): MetricRow => ({
        metric: 'other worker peak RSS',
        unit: 'MB',
        jobnest: peakOf(run.rss, id),
        baseline: null,
      })),
      { metric: 'server peak RSS', unit: 'MB', jobnest: peakOf(run.rss, 'server'), baseline: null },
    ];
    return {
      rows,
      details: {
        subtasks: n,
        jobnestWorkers: MR_WORKERS,
        concurrency: MR_CONCURRENCY,
        mapBatch: MAP_BATCH,
        warmupSubtasks: WARMUP_SUBTASKS,
        referenceSubtasksPerSecond: reference ?? null,
        definitions: {
          subtasksPerSecond: 'subtasks / (POST /jobs/:id/run answered -> instance finishedTime) seconds',
          rss: 'VmRSS from /proc/<pid>/status every 100 ms from before POST /run to SUCCEEDED seen; timeline = the highest sample of each second',
        },
        jobnest: run,
      },
    };
  },
};

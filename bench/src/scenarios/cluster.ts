import { BenchEnvironment, mergeNeeds } from '../env/bench-environment';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { roundSummary, summarize } from '../stats';
import { startLocalRedisCluster, type LocalRedisCluster } from '../../../tools/process-harness/dist/redis-cluster';
import { measureJobnest } from './dispatch';
import { createMapReduceJob, MR_CONCURRENCY, MR_WORKERS, runSumInstance, WARMUP_SUBTASKS } from './map-reduce-run';

/** A MapReduce run (either side) that takes longer than this fails the scenario. */
const TIME_LIMIT_MS = 10 * 60_000;
/** Masters of the local cluster (no replicas: the figure is about spreading, not failover). */
const MASTERS = 3;
/** The cluster's p99 start latency may be at most this many times the single Redis's. */
const P99_FACTOR = 1.5;

interface SideFigures {
  subtasksPerSecond: number;
  mapReduceSeconds: number;
  start: ReturnType<typeof roundSummary>;
  request: ReturnType<typeof roundSummary>;
  failures: string[];
}

/**
 * Scenario 8: the same Jobnest on a 3-master Redis Cluster (started from the machine's redis-server for the
 * scenario) against the single Redis, in one run: a MapReduce of `--cluster-subtasks` subtasks over 2 workers, and
 * the dispatch latency of `--cluster-runs` standalone no-op runs one at a time. The baseline column is the single
 * Redis; targets: cluster throughput at least the single Redis's, p99 start latency at most 1.5 times it.
 */
export const clusterScenario: Scenario = {
  id: 8,
  name: 'cluster',
  title: 'Redis Cluster (3 masters) against the single Redis',
  baseline: 'the same Jobnest (server, 2 workers) on the machine’s single Redis, same run',
  processes: { jobnestWorkers: MR_WORKERS },
  flags: [
    {
      name: 'cluster-subtasks',
      description: 'subtasks of each MapReduce run (scenario 8)',
      default: 100_000,
      quick: 5_000,
    },
    { name: 'cluster-runs', description: 'measured dispatch runs per side (scenario 8)', default: 300, quick: 30 },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const n = ctx.flag('cluster-subtasks');
    const runs = ctx.flag('cluster-runs');
    ctx.log(`cluster: single Redis side, MapReduce of ${n.toLocaleString('en-US')} subtasks, ${runs} dispatch runs`);
    const single = await measureSide(ctx, n, runs, 'single');

    ctx.log(`cluster: starting a local Redis Cluster of ${MASTERS} masters`);
    let redisCluster: LocalRedisCluster | undefined;
    let env: BenchEnvironment | undefined;
    let cluster: SideFigures;
    try {
      redisCluster = await startLocalRedisCluster({ masters: MASTERS });
      env = new BenchEnvironment({
        verbose: false,
        log: (m) => ctx.log(`cluster env: ${m}`),
        redisClusterNodes: redisCluster.seeds,
        idSuffix: '_cluster',
      });
      await env.start(mergeNeeds([{ jobnestWorkers: MR_WORKERS }]));
      ctx.log(`cluster: cluster side, the same runs`);
      cluster = await measureSide({ ...ctx, env }, n, runs, 'cluster');
    } finally {
      await env?.close().catch((err: unknown) => ctx.log(`cluster env cleanup: ${String(err)}`));
      await redisCluster?.stop();
    }

    const rows: MetricRow[] = [
      {
        metric: 'MapReduce subtasks/s',
        unit: 'subtasks/s',
        jobnest: cluster.subtasksPerSecond,
        baseline: single.subtasksPerSecond,
        target: { op: '>=', value: single.subtasksPerSecond },
      },
      { metric: 'start latency p50', unit: 'ms', jobnest: cluster.start.p50, baseline: single.start.p50 },
      {
        metric: 'start latency p99',
        unit: 'ms',
        jobnest: cluster.start.p99,
        baseline: single.start.p99,
        target: { op: '<=', value: Math.round(single.start.p99 * P99_FACTOR * 100) / 100 },
      },
      { metric: 'run request answered p50', unit: 'ms', jobnest: cluster.request.p50, baseline: single.request.p50 },
      {
        metric: 'failed dispatch runs',
        unit: 'runs',
        jobnest: cluster.failures.length,
        baseline: single.failures.length,
      },
    ];
    return {
      rows,
      details: {
        subtasks: n,
        dispatchRuns: runs,
        masters: MASTERS,
        definitions: {
          jobnest: `a local Redis Cluster of ${MASTERS} masters (no replicas), every key hash-tagged`,
          baseline: 'the machine’s single Redis',
        },
        cluster,
        single,
      },
    };
  },
};

/** One side: a warm-up MapReduce, the measured one, then the dispatch runs. */
async function measureSide(ctx: ScenarioContext, n: number, runs: number, label: string): Promise<SideFigures> {
  const jobId = await createMapReduceJob(ctx, `cluster-${label}`, MR_CONCURRENCY);
  await runSumInstance(ctx, jobId, WARMUP_SUBTASKS, {
    label: `${label} warm-up`,
    timeLimitMs: TIME_LIMIT_MS,
    quiet: true,
  });
  const run = await ctx.jobnestPhase(`cluster ${label}`, 1, () =>
    runSumInstance(ctx, jobId, n, { label, timeLimitMs: TIME_LIMIT_MS }),
  );
  await ctx.env.client.deleteJob(jobId).catch(() => undefined);
  ctx.log(`cluster: ${label} ${run.subtasksPerSecond.toLocaleString('en-US')} subtasks/s`);
  const samples = await measureJobnest(ctx, runs, Math.min(20, runs), 1);
  return {
    subtasksPerSecond: run.subtasksPerSecond,
    mapReduceSeconds: Math.round(run.endToEndMs) / 1000,
    start: roundSummary(summarize(samples.start)),
    request: roundSummary(summarize(samples.request)),
    failures: samples.failures.slice(0, 20),
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer } from 'bullmq';
import { Redis } from 'ioredis';
import type { Instance, TaskCounts } from '@jobnest/client';
import type { ProcessNeeds } from '../env/bench-environment';
import { RssSampler, type RssSeries } from '../env/rss-sampler';
import type { ScenarioContext } from '../scenario';
import { BASELINE_QUEUE } from '../workers/baseline-queues';
import type { MapReduceBenchParams, SumReduceResult, SumRootResult } from '../workers/bench-processors';

/** The processor of scenarios 1, 2 and 4 (bench/src/workers/bench-processors.ts). */
export const MR_PROCESSOR = 'bench.mapreduce';
/** Job `concurrency` (subtasks at once per worker) of scenarios 1 and 2, and the BullMQ children Workers' concurrency. */
export const MR_CONCURRENCY = 50;
/** Items per ctx.map() call of the root task. */
export const MAP_BATCH = 10_000;
/** Subtasks of the unmeasured run each side makes first (JIT, connection pools, first statements). */
export const WARMUP_SUBTASKS = 1_000;
/** Jobnest workers and BullMQ worker processes of the MapReduce scenarios. */
export const MR_WORKERS = 2;
/** Names of the two BullMQ baseline processes of scenarios 1 and 4 (scenario 4 adds its queues to them). */
export const BASELINE_PROCESS_NAMES = ['bullmq-1', 'bullmq-2'] as const;

/** Scenario 1's processes: 2 Jobnest workers; 2 BullMQ processes with the flow's children (x50) and parent queues. */
export const MAP_REDUCE_PROCESSES: ProcessNeeds = {
  jobnestWorkers: MR_WORKERS,
  baselineProcesses: BASELINE_PROCESS_NAMES.map((name) => ({
    name,
    queues: [{ queue: BASELINE_QUEUE.flowChildren, concurrency: MR_CONCURRENCY }, { queue: BASELINE_QUEUE.flowParent }],
  })),
};

/** Pause between two polls of a running instance or flow: the end time itself comes from the server's clock. */
const POLL_MS = 100;
/** A progress line on stderr this often. */
const PROGRESS_EVERY_MS = 5_000;
/** No subtask finishing for this long: the run is stalled; stop it and fail. */
const STALL_MS = 60_000;

/** A MAP_REDUCE job of `bench.mapreduce`, run through the API only. */
export async function createMapReduceJob(ctx: ScenarioContext, name: string, concurrency: number): Promise<number> {
  const job = await ctx.env.client.createJob({
    name: `bench-${name}-${Date.now()}`,
    processor: MR_PROCESSOR,
    executeType: 'MAP_REDUCE',
    timeExpressionType: 'API',
    concurrency,
  });
  return job.id;
}

/** One Jobnest MapReduce `sum` run: n subtasks, from POST /run answered to SUCCEEDED. */
export interface SumRun {
  n: number;
  instanceId: number;
  status: Instance['status'];
  /** POST /jobs/:id/run answered (wall clock, epoch ms). */
  answeredAt: number;
  /** POST answered -> the instance's finishedTime (the server's clock when it stored SUCCEEDED), ms. */
  endToEndMs: number;
  subtasksPerSecond: number;
  /** POST answered -> first poll seeing SUCCEEDED (resolution: one poll, 100 ms), ms. */
  seenMs: number;
  /** POST sent -> answered, ms. */
  requestMs: number;
  /** The instance's worker: the TaskTracker. */
  trackerWorkerId: string | null;
  /** What the root task returned (map duration, its worker); null when it could not be read. */
  root: (SumRootResult & { taskWorkerId: string | null }) | null;
  /** What reduce returned (count, sum, reduce duration). */
  reduce: SumReduceResult | null;
  tasks: TaskCounts | null;
  /** [ms after POST answered, succeeded, total] per poll that saw a change, one a second at most. */
  progress: [number, number, number][];
  polls: number;
  /** VmRSS of the Jobnest workers and the server, sampled every 100 ms during the run (when asked). */
  rss?: RssSeries[];
}

/** The run did not finish in time, stalled or failed: everything known so far. */
export class MapReduceRunError extends Error {
  constructor(
    message: string,
    readonly partial: { instanceId: number; tasks: TaskCounts | null; elapsedMs: number; rss?: RssSeries[] },
  ) {
    super(message);
  }
}

/**
 * Runs one MAP_REDUCE instance of `n` no-op subtasks (mapped in calls of MAP_BATCH) and waits for it. Throws a
 * {@link MapReduceRunError} when it fails (reduce found a wrong count or sum), stalls for STALL_MS or exceeds
 * `timeLimitMs` (the instance is stopped first so it does not load the next scenario).
 */
export async function runSumInstance(
  ctx: ScenarioContext,
  jobId: number,
  n: number,
  options: { label: string; timeLimitMs: number; sampleRss?: boolean; quiet?: boolean },
): Promise<SumRun> {
  const { env } = ctx;
  const client = env.client;
  const params: MapReduceBenchParams = { mode: 'sum', n, batch: MAP_BATCH };
  const sampler = options.sampleRss
    ? new RssSampler([
        ...env.jobnestWorkers.map((w) => ({ name: w.workerId, pid: w.process.pid })),
        ...(env.server ? [{ name: 'server', pid: env.server.pid }] : []),
      ])
    : undefined;
  sampler?.start();
  let rss: RssSeries[] | undefined;
  const stopSampler = (): RssSeries[] | undefined => (rss ??= sampler?.stop());
  try {
    const sent = Date.now();
    const { instanceId } = await client.runJob(jobId, { instanceParams: JSON.stringify(params) });
    const answeredAt = Date.now();
    const progress: [number, number, number][] = [];
    let polls = 0;
    let lastDone = -1;
    let lastChange = answeredAt;
    let lastLog = answeredAt;
    let instance: Instance;
    for (;;) {
      instance = await client.getInstance(instanceId);
      polls++;
      const now = Date.now();
      if (isFinal(instance.status)) break;
      const t = instance.tasks;
      const done = t ? t.succeeded + t.failed : 0;
      if (done !== lastDone) {
        lastDone = done;
        lastChange = now;
        const last = progress[progress.length - 1];
        if (t && (!last || now - answeredAt - last[0] >= 1000)) progress.push([now - answeredAt, t.succeeded, t.total]);
      }
      if (!options.quiet && now - lastLog >= PROGRESS_EVERY_MS) {
        lastLog = now;
        const secs = (now - answeredAt) / 1000;
        ctx.log(
          `  ${options.label}: ${fmtInt(Math.max(0, done - 1))} of ${fmtInt(n)} subtasks done after ${secs.toFixed(0)} s (${fmtInt(Math.max(0, done - 1) / secs)}/s so far; ${t ? `${fmtInt(t.waiting)} waiting, ${fmtInt(t.running)} running` : 'no task counts yet'})`,
        );
      }
      const stalled = now - lastChange > STALL_MS;
      const late = now - answeredAt > options.timeLimitMs;
      if (stalled || late) {
        const why = stalled
          ? `stalled: no subtask finished for ${STALL_MS / 1000} s`
          : `did not finish within ${(options.timeLimitMs / 60_000).toFixed(1)} min`;
        await stopAndWait(ctx, instanceId);
        throw new MapReduceRunError(
          `${options.label}: instance ${instanceId} ${why}: ${t ? `${fmtInt(Math.max(0, done - 1))} of ${fmtInt(n)} subtasks done (${fmtInt(t.waiting)} waiting, ${fmtInt(t.running)} running)` : 'no task counts'} after ${((now - answeredAt) / 1000).toFixed(0)} s; stopped`,
          { instanceId, tasks: t, elapsedMs: now - answeredAt, rss: stopSampler() },
        );
      }
      env.assertAlive();
      await sleep(POLL_MS);
    }
    const seenAt = Date.now();
    stopSampler();
    if (instance.status !== 'SUCCEEDED') {
      throw new MapReduceRunError(
        `${options.label}: instance ${instanceId} ended ${instance.status}: ${instance.statusReason ?? ''} ${instance.result ?? ''}`.trim(),
        { instanceId, tasks: instance.tasks, elapsedMs: seenAt - answeredAt, rss },
      );
    }
    const endToEndMs = (instance.finishedTime ?? seenAt) - answeredAt;
    return {
      n,
      instanceId,
      status: instance.status,
      answeredAt,
      endToEndMs,
      subtasksPerSecond: Math.round(n / (endToEndMs / 1000)),
      seenMs: seenAt - answeredAt,
      requestMs: answeredAt - sent,
      trackerWorkerId: instance.workerId,
      root: await readRoot(ctx, instanceId),
      reduce: parseJson<SumReduceResult>(instance.result),
      tasks: instance.tasks,
      progress,
      polls,
      rss,
    };
  } finally {
    stopSampler();
  }
}

async function stopAndWait(ctx: ScenarioContext, instanceId: number): Promise<void> {
  try {
    await ctx.env.client.stopInstance(instanceId);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !isFinal((await ctx.env.client.getInstance(instanceId)).status)) await sleep(250);
  } catch (err) {
    ctx.log(`  stopping instance ${instanceId} failed: ${String(err)}`);
  }
}

/** The root task's row (the first task of the instance): its result says how long mapping took. */
async function readRoot(ctx: ScenarioContext, instanceId: number): Promise<SumRun['root']> {
  try {
    const page = await ctx.env.client.listInstanceTasks(instanceId, { page: 1, size: 1 });
    const row = page.items[0];
    const parsed = row?.parentId === null ? parseJson<SumRootResult>(row.result) : null;
    return parsed ? { ...parsed, taskWorkerId: row!.workerId } : null;
  } catch {
    return null;
  }
}

/** One BullMQ FlowProducer run: a parent with n children, from flow.add called to the parent completed. */
export interface FlowRun {
  n: number;
  /** flow.add called -> resolved, ms. */
  addMs: number;
  /** flow.add called (wall clock) -> the parent's finishedOn (the Worker's clock when it completed it), ms. */
  endToEndMs: number;
  subtasksPerSecond: number;
  /** flow.add called -> first poll seeing the parent finished (resolution: one poll, 100 ms), ms. */
  seenMs: number;
  parentResult: unknown;
  /** [ms after flow.add called, children completed] about once every 5 s. */
  progress: [number, number][];
}

/** The baseline of scenario 1: BullMQ FlowProducer, 1 parent (sums getChildrenValues()) + n children. */
export async function runFlow(
  ctx: ScenarioContext,
  n: number,
  options: { label: string; timeLimitMs: number; quiet?: boolean },
): Promise<FlowRun> {
  const { env } = ctx;
  const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const flow = new FlowProducer({ connection, prefix: env.prefix });
  const parents = env.baselineQueue(BASELINE_QUEUE.flowParent);
  const children = env.baselineQueue(BASELINE_QUEUE.flowChildren);
  try {
    const completedBefore = await children.getCompletedCount();
    const childJobs = new Array(n);
    for (let i = 0; i < n; i++) childJobs[i] = { name: 'child', queueName: BASELINE_QUEUE.flowChildren, data: i };
    const startedAt = Date.now();
    const node = await flow.add({
      name: 'sum',
      queueName: BASELINE_QUEUE.flowParent,
      data: { n },
      children: childJobs,
    });
    const addMs = Date.now() - startedAt;
    const parentId = node.job.id!;
    const progress: [number, number][] = [];
    let lastLog = Date.now();
    for (;;) {
      const job = await parents.getJob(parentId);
      const now = Date.now();
      if (job?.finishedOn) {
        if (job.failedReason) throw new Error(`${options.label}: the flow's parent failed: ${job.failedReason}`);
        const endToEndMs = job.finishedOn - startedAt;
        return {
          n,
          addMs,
          endToEndMs,
          subtasksPerSecond: Math.round(n / (endToEndMs / 1000)),
          seenMs: now - startedAt,
          parentResult: job.returnvalue,
          progress,
        };
      }
      if (now - lastLog >= PROGRESS_EVERY_MS) {
        lastLog = now;
        const done = (await children.getCompletedCount()) - completedBefore;
        progress.push([now - startedAt, done]);
        if (!options.quiet) {
          const secs = (now - startedAt) / 1000;
          ctx.log(
            `  ${options.label}: ${fmtInt(done)} of ${fmtInt(n)} children done after ${secs.toFixed(0)} s (flow.add took ${(addMs / 1000).toFixed(1)} s)`,
          );
        }
      }
      if (now - startedAt > options.timeLimitMs) {
        // Drop what is left so it does not load the next scenario.
        await children.obliterate({ force: true }).catch(() => undefined);
        await parents.obliterate({ force: true }).catch(() => undefined);
        throw new Error(
          `${options.label}: the flow did not finish within ${(options.timeLimitMs / 60_000).toFixed(1)} min`,
        );
      }
      env.assertAlive();
      await sleep(POLL_MS);
    }
  } finally {
    await flow.close().catch(() => undefined);
    connection.disconnect();
  }
}

export function isFinal(status: Instance['status']): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'STOPPED' || status === 'CANCELED';
}

function parseJson<T>(text: string | null | undefined): T | null {
  if (typeof text !== 'string') return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** Peak RSS (MB) of one process in a run's samples; null when it was not sampled. */
export function peakOf(rss: RssSeries[] | undefined, name: string | null): number | null {
  const s = rss?.find((r) => r.name === name);
  return s && !Number.isNaN(s.peakMb) ? s.peakMb : null;
}

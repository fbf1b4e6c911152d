import { setTimeout as sleep } from 'node:timers/promises';
import { decodeStamp, monoMs, type Stamp } from '../clock';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { roundSummary, summarize } from '../stats';
import { BASELINE_QUEUE } from '../workers/baseline-queues';
import type { MapReduceBenchParams } from '../workers/bench-processors';
import { BASELINE_PROCESS_NAMES, createMapReduceJob, isFinal, MR_WORKERS } from './map-reduce-run';

/** Subtasks each run maps: enough that both workers get some (the TaskTracker spreads them by free capacity). */
const ITEMS = 10;
/** Job concurrency: every subtask of a worker starts at once. */
const CONCURRENCY = ITEMS;
/** Unmeasured runs per side first. */
const WARMUP = 2;
/** A run taking longer than this counts as failed. */
const RUN_TIMEOUT_MS = 15_000;
const POLL_MS = 10;
const TARGET_MS = 50;

/** One side's measurements (ms on the monotonic clock) and what went wrong. */
interface LatencySamples {
  /** map returned (root) | add returned (source processor) -> first start on another process. */
  latency: number[];
  failures: string[];
  runs: Record<string, unknown>[];
}

/**
 * Scenario 4: subtask start latency. Each run is one MAP_REDUCE instance over 2 Jobnest workers whose root task maps
 * 10 subtasks and stamps right after `await ctx.map()` returns; each subtask stamps its first line. The latency is
 * the earliest start among the subtasks that ran on the other worker (not the root's) minus the root's stamp.
 * Baseline: a BullMQ processor in one process adds a job (`queue.add`) and stamps when it resolves; a Worker in
 * another process starts it.
 */
export const subtaskLatencyScenario: Scenario = {
  id: 4,
  name: 'subtask-latency',
  title: 'subtask start latency (ctx.map() returned -> subtask start on another worker)',
  baseline:
    'BullMQ: queue.add() resolved in a processor of one Worker process -> the processor start in another process, same Redis',
  processes: {
    jobnestWorkers: MR_WORKERS,
    baselineProcesses: [
      { name: BASELINE_PROCESS_NAMES[0], queues: [{ queue: BASELINE_QUEUE.latencySource }] },
      { name: BASELINE_PROCESS_NAMES[1], queues: [{ queue: BASELINE_QUEUE.latencyTarget }] },
    ],
  },
  flags: [
    {
      name: 'subtask-runs',
      description: 'measured map -> subtask start runs per side (scenario 4)',
      default: 20,
      quick: 5,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const runs = ctx.flag('subtask-runs');
    ctx.log(
      `subtask-latency: Jobnest, ${WARMUP} warm-up + ${runs} MAP_REDUCE instances mapping ${ITEMS} subtasks each`,
    );
    const jobnest = await ctx.jobnestPhase('subtask-latency', WARMUP + runs, () => measureJobnest(ctx, runs));
    ctx.log(`subtask-latency: BullMQ, ${WARMUP} warm-up + ${runs} queue.add() from a processor to another process`);
    const baseline = await measureBullmq(ctx, runs);
    const j = roundSummary(summarize(jobnest.latency));
    const b = roundSummary(summarize(baseline.latency));
    const rows: MetricRow[] = [
      { metric: 'start on another worker p50', unit: 'ms', jobnest: j.p50, baseline: b.p50 },
      {
        metric: 'start on another worker p99',
        unit: 'ms',
        jobnest: j.p99,
        baseline: b.p99,
        target: { op: '<=', value: TARGET_MS },
        note: runs <= 100 ? `${runs} runs per side: p99 (nearest rank) is the slowest run` : undefined,
      },
      { metric: 'start on another worker max', unit: 'ms', jobnest: j.max, baseline: b.max },
      { metric: 'failed runs', unit: 'runs', jobnest: jobnest.failures.length, baseline: baseline.failures.length },
    ];
    return {
      rows,
      details: {
        runs,
        warmup: WARMUP,
        itemsPerMap: ITEMS,
        concurrency: CONCURRENCY,
        definitions: {
          jobnest:
            "root task: stamp right after `await ctx.map(10 items)` returned; latency = earliest first-line stamp among the subtasks whose workerId differs from the root task's - that stamp (monotonic clock, same machine); sameWorker = the same for subtasks on the root's worker",
          baseline:
            "processor on queue latency-source (process bullmq-1): stamp right after `await queue.add()` to latency-target resolved; latency = first-line stamp of that job's processor (process bullmq-2) - that stamp",
        },
        jobnest: { summary: j, failures: jobnest.failures.slice(0, 20), runs: jobnest.runs },
        baseline: { summary: b, failures: baseline.failures.slice(0, 20), runs: baseline.runs },
      },
    };
  },
};

/** `<workerId|pid>|<wall>:<mono>` as the processors return it. */
function parseTagged(text: string | null | undefined): { who: string; at: Stamp } | undefined {
  if (typeof text !== 'string') return undefined;
  const [who, stampText] = text.split('|');
  const at = decodeStamp(stampText);
  return who && at ? { who, at } : undefined;
}

async function measureJobnest(ctx: ScenarioContext, runs: number): Promise<LatencySamples> {
  const client = ctx.env.client;
  const jobId = await createMapReduceJob(ctx, 'subtask-latency', CONCURRENCY);
  const params: MapReduceBenchParams = { mode: 'latency', n: ITEMS };
  const out: LatencySamples = { latency: [], failures: [], runs: [] };
  try {
    for (let i = 0; i < WARMUP + runs; i++) {
      const measured = i >= WARMUP;
      const fail = (why: string): void => {
        if (measured) out.failures.push(why);
      };
      const { instanceId } = await client.runJob(jobId, { instanceParams: JSON.stringify(params) });
      const deadline = Date.now() + RUN_TIMEOUT_MS;
      let instance = await client.getInstance(instanceId);
      while (!isFinal(instance.status) && Date.now() < deadline) {
        await sleep(POLL_MS);
        instance = await client.getInstance(instanceId);
      }
      ctx.env.assertAlive();
      if (instance.status !== 'SUCCEEDED') {
        fail(
          `instance ${instanceId}: ${isFinal(instance.status) ? instance.status : `still ${instance.status} after ${RUN_TIMEOUT_MS} ms`} ${instance.result ?? ''}`,
        );
        if (!isFinal(instance.status)) await client.stopInstance(instanceId).catch(() => undefined);
        continue;
      }
      const tasks = (await client.listInstanceTasks(instanceId, { page: 1, size: ITEMS + 1 })).items;
      const rootRow = tasks.find((t) => t.parentId === null);
      const root = parseTagged(rootRow?.result);
      const subtasks = tasks.filter((t) => t.parentId !== null).map((t) => parseTagged(t.result));
      if (!root || subtasks.length !== ITEMS || subtasks.some((s) => !s)) {
        fail(
          `instance ${instanceId}: unreadable task results (root '${rootRow?.result ?? ''}', ${subtasks.length} subtasks)`,
        );
        continue;
      }
      const starts = subtasks as { who: string; at: Stamp }[];
      const earliest = (list: { at: Stamp }[]): number | null =>
        list.length === 0 ? null : Math.min(...list.map((s) => monoMs(root.at.mono, s.at.mono)));
      const other = starts.filter((s) => s.who !== root.who);
      const same = starts.filter((s) => s.who === root.who);
      const latency = earliest(other);
      if (measured) {
        out.runs.push({
          instanceId,
          tracker: instance.workerId,
          rootWorker: root.who,
          subtasksOnOtherWorker: other.length,
          latencyMs: latency === null ? null : round3(latency),
          sameWorkerMs: earliest(same) === null ? null : round3(earliest(same)!),
        });
      }
      if (latency === null) fail(`instance ${instanceId}: all ${ITEMS} subtasks ran on the root's worker ${root.who}`);
      else if (measured) out.latency.push(latency);
    }
  } finally {
    await client.deleteJob(jobId).catch(() => undefined);
  }
  return out;
}

async function measureBullmq(ctx: ScenarioContext, runs: number): Promise<LatencySamples> {
  const source = ctx.env.baselineQueue(BASELINE_QUEUE.latencySource);
  const target = ctx.env.baselineQueue(BASELINE_QUEUE.latencyTarget);
  const out: LatencySamples = { latency: [], failures: [], runs: [] };
  const finished = async (
    queue: typeof source,
    id: string,
  ): Promise<{ value: unknown; error?: string } | undefined> => {
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const job = await queue.getJob(id);
      if (job?.finishedOn) return { value: job.returnvalue, error: job.failedReason || undefined };
      if (Date.now() > deadline) return undefined;
      await sleep(POLL_MS);
    }
  };
  for (let i = 0; i < WARMUP + runs; i++) {
    const measured = i >= WARMUP;
    const fail = (why: string): void => {
      if (measured) out.failures.push(why);
    };
    const added = await source.add('source', { i }, { removeOnComplete: false, removeOnFail: false });
    const src = await finished(source, added.id!);
    ctx.env.assertAlive();
    if (!src || src.error) {
      fail(`source job ${added.id}: ${src?.error ?? `not finished after ${RUN_TIMEOUT_MS} ms`}`);
      continue;
    }
    const [srcPid, srcStamp, targetId] = String(src.value).split('|');
    const addedAt = decodeStamp(srcStamp);
    const tgt = targetId ? await finished(target, targetId) : undefined;
    const started = parseTagged(tgt?.value as string | undefined);
    if (!addedAt || !started || tgt?.error) {
      fail(
        `source job ${added.id}: target job ${targetId ?? '?'} ${tgt?.error ?? (tgt ? `returned '${String(tgt.value)}'` : 'not finished')}`,
      );
      continue;
    }
    if (started.who === srcPid) {
      fail(`source job ${added.id}: the target job ran in the same process ${srcPid}`);
      continue;
    }
    const latency = monoMs(addedAt.mono, started.at.mono);
    if (measured) {
      out.latency.push(latency);
      out.runs.push({
        sourceJob: added.id,
        targetJob: targetId,
        sourcePid: Number(srcPid),
        targetPid: Number(started.who),
        latencyMs: round3(latency),
      });
    }
  }
  return out;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { JobInput } from '@jobnest/client';
import { decodeStamp, monoMs } from '../clock';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { BASELINE_QUEUE } from '../workers/baseline-queues';
import { roundSummary, summarize, type Summary } from '../stats';

/** Runs that take longer than this are counted as failed (the next one starts anyway). */
const RUN_TIMEOUT_MS = 15_000;

/** One side's measurements, in ms on the monotonic clock. */
export interface DispatchSamples {
  /** Request (POST /run or queue.add) answered -> processor's first line. */
  start: number[];
  /** Request answered -> the poll that first sees the run finished (SUCCEEDED / completed). */
  visible: number[];
  /** Request sent -> answered. */
  request: number[];
  /** Runs that failed or timed out. */
  failures: string[];
  /** Polls per run, to judge how much the polling itself loaded the system. */
  polls: number[];
}

function emptySamples(): DispatchSamples {
  return { start: [], visible: [], request: [], failures: [], polls: [] };
}

/**
 * Scenario 3: how long from "run this now" to the processor starting and to the result being visible, one run at a
 * time so runs never queue behind each other.
 */
export const dispatchScenario: Scenario = {
  id: 3,
  name: 'dispatch',
  title: 'dispatch latency of a STANDALONE no-op job',
  baseline: 'BullMQ Queue.add -> Worker processor (own process, default concurrency 1), same Redis, sequential',
  processes: { baselineProcesses: [{ name: 'bullmq-worker', queues: [{ queue: BASELINE_QUEUE.dispatch }] }] },
  flags: [
    { name: 'runs', description: 'measured runs per side (scenario 3)', default: 500, quick: 100 },
    { name: 'warmup', description: 'unmeasured runs per side before measuring (scenario 3)', default: 20, quick: 10 },
    {
      name: 'poll-ms',
      description: 'pause between two polls of a run (scenario 3); 0 = back to back',
      default: 1,
      quick: 1,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const runs = ctx.flag('runs');
    const warmup = ctx.flag('warmup');
    const pollMs = ctx.flag('poll-ms');

    ctx.log(`dispatch: Jobnest, ${warmup} warm-up + ${runs} runs of bench.noop through POST /jobs/:id/run`);
    const jobnest = await ctx.jobnestPhase('dispatch', warmup + runs, () => measureJobnest(ctx, runs, warmup, pollMs));
    ctx.log(`dispatch: BullMQ, ${warmup} warm-up + ${runs} runs through Queue.add`);
    const baseline = await measureBullmq(ctx, runs, warmup, pollMs);

    const j = summaries(jobnest);
    const b = summaries(baseline);
    const rows: MetricRow[] = [
      {
        metric: 'start latency p50',
        unit: 'ms',
        jobnest: j.start.p50,
        baseline: b.start.p50,
        target: { op: '<=', value: 1.5 },
      },
      {
        metric: 'start latency p99',
        unit: 'ms',
        jobnest: j.start.p99,
        baseline: b.start.p99,
        target: { op: '<=', value: 10 },
      },
      { metric: 'start latency max', unit: 'ms', jobnest: j.start.max, baseline: b.start.max },
      { metric: 'finished visible p50', unit: 'ms', jobnest: j.visible.p50, baseline: b.visible.p50 },
      { metric: 'finished visible p99', unit: 'ms', jobnest: j.visible.p99, baseline: b.visible.p99 },
      {
        metric: 'run request answered p50',
        unit: 'ms',
        jobnest: j.request.p50,
        baseline: b.request.p50,
        target: { op: '<=', value: 3 },
      },
      { metric: 'failed runs', unit: 'runs', jobnest: jobnest.failures.length, baseline: baseline.failures.length },
    ];
    return {
      rows,
      details: {
        runs,
        warmup,
        pollMs,
        definitions: {
          start:
            'request answered (POST /jobs/:id/run resolved | Queue.add resolved) -> first line of the processor, monotonic clock',
          visible: 'request answered -> first poll (GET /instances/:id | Queue.getJob) seeing SUCCEEDED | completed',
          request: 'request sent -> answered',
        },
        jobnest: {
          summary: j,
          failures: jobnest.failures.slice(0, 20),
          meanPolls: mean(jobnest.polls),
          samples: rounded(jobnest),
        },
        baseline: {
          summary: b,
          failures: baseline.failures.slice(0, 20),
          meanPolls: mean(baseline.polls),
          samples: rounded(baseline),
        },
      },
    };
  },
};

/** Runs one at a time through POST /jobs/:id/run; `job` adds settings to the measured job (e.g. flow control). */
export async function measureJobnest(
  ctx: ScenarioContext,
  runs: number,
  warmup: number,
  pollMs: number,
  job: Partial<JobInput> = {},
): Promise<DispatchSamples> {
  const client = ctx.env.client;
  const created = await client.createJob({
    name: `bench-dispatch-${Date.now()}`,
    processor: 'bench.noop',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
    ...ctx.env.firstWorkerOnly(),
    ...job,
  });
  const samples = emptySamples();
  for (let i = 0; i < warmup + runs; i++) {
    const measured = i >= warmup;
    const sent = process.hrtime.bigint();
    const { instanceId } = await client.runJob(created.id);
    const answered = process.hrtime.bigint();
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let polls = 0;
    for (;;) {
      const instance = await client.getInstance(instanceId);
      const seen = process.hrtime.bigint();
      polls++;
      if (instance.status === 'SUCCEEDED') {
        const started = decodeStamp(instance.result);
        if (!measured) break;
        if (!started) {
          samples.failures.push(`instance ${instanceId}: result '${instance.result}' is not a stamp`);
          break;
        }
        samples.start.push(monoMs(answered, started.mono));
        samples.visible.push(monoMs(answered, seen));
        samples.request.push(monoMs(sent, answered));
        samples.polls.push(polls);
        break;
      }
      if (instance.status === 'FAILED' || instance.status === 'STOPPED' || instance.status === 'CANCELED') {
        if (measured)
          samples.failures.push(
            `instance ${instanceId}: ${instance.status} ${instance.statusReason ?? ''} ${instance.result ?? ''}`,
          );
        break;
      }
      if (Date.now() > deadline) {
        if (measured)
          samples.failures.push(`instance ${instanceId}: still ${instance.status} after ${RUN_TIMEOUT_MS} ms`);
        break;
      }
      if (pollMs > 0) await sleep(pollMs);
    }
    if (measured && (i - warmup + 1) % 100 === 0) ctx.log(`  jobnest ${i - warmup + 1}/${runs}`);
    ctx.env.assertAlive();
  }
  await client.deleteJob(created.id).catch(() => undefined);
  return samples;
}

async function measureBullmq(
  ctx: ScenarioContext,
  runs: number,
  warmup: number,
  pollMs: number,
): Promise<DispatchSamples> {
  const queue = ctx.env.baselineQueue(BASELINE_QUEUE.dispatch);
  const samples = emptySamples();
  for (let i = 0; i < warmup + runs; i++) {
    const measured = i >= warmup;
    const sent = process.hrtime.bigint();
    const added = await queue.add('noop', { i }, { removeOnComplete: false, removeOnFail: false });
    const answered = process.hrtime.bigint();
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let polls = 0;
    for (;;) {
      const job = await queue.getJob(added.id!);
      const seen = process.hrtime.bigint();
      polls++;
      if (job?.finishedOn) {
        if (!measured) break;
        const started = decodeStamp(job.returnvalue as string | undefined);
        if (job.failedReason || !started) {
          samples.failures.push(
            `job ${added.id}: ${job.failedReason ?? `returnvalue '${String(job.returnvalue)}' is not a stamp`}`,
          );
          break;
        }
        samples.start.push(monoMs(answered, started.mono));
        samples.visible.push(monoMs(answered, seen));
        samples.request.push(monoMs(sent, answered));
        samples.polls.push(polls);
        break;
      }
      if (Date.now() > deadline) {
        if (measured) samples.failures.push(`job ${added.id}: not finished after ${RUN_TIMEOUT_MS} ms`);
        break;
      }
      if (pollMs > 0) await sleep(pollMs);
    }
    if (measured && (i - warmup + 1) % 100 === 0) ctx.log(`  bullmq ${i - warmup + 1}/${runs}`);
    ctx.env.assertAlive();
  }
  return samples;
}

export function summaries(s: DispatchSamples): { start: Summary; visible: Summary; request: Summary } {
  return {
    start: roundSummary(summarize(s.start)),
    visible: roundSummary(summarize(s.visible)),
    request: roundSummary(summarize(s.request)),
  };
}

function rounded(s: DispatchSamples): Record<string, number[]> {
  const r = (a: number[]): number[] => a.map((v) => Math.round(v * 1000) / 1000);
  return { start: r(s.start), visible: r(s.visible), request: r(s.request) };
}

function mean(a: number[]): number {
  return a.length === 0 ? 0 : Math.round((a.reduce((s, v) => s + v, 0) / a.length) * 10) / 10;
}

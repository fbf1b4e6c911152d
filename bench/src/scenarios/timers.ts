import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '@jobnest/client';
import { decodeStamp } from '../clock';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { BASELINE_QUEUE } from '../workers/baseline-queues';
import { roundSummary, summarize, type Summary } from '../stats';

interface TimerSpec {
  key: 'rate' | 'cron';
  label: string;
  /** Slot spacing in ms. */
  period: number;
  fires: number;
}

/** What one timer did on one side. */
interface TimerRun {
  /** Processor start - slot, ms (wall clock: slots are wall-clock times). */
  lateness: number[];
  /** Slots between the first and the last fire that never produced a processor start. */
  missedSlots: number;
  /** Fires that did not end with a processor start (failed, not stamped, not finished in time). */
  failures: string[];
  /** True when the wanted number of fires was not reached in the time allowed. */
  incomplete: boolean;
  extra?: Record<string, unknown>;
}

/**
 * Scenario 5: timer precision. How late does the processor start against the slot it was scheduled for, for a
 * 100 ms FIXED_RATE job and a per-second CRON job.
 */
export const timersScenario: Scenario = {
  id: 5,
  name: 'timers',
  title: 'timer precision: processor start - scheduled slot',
  baseline:
    'BullMQ job scheduler (upsertJobScheduler every: 100 / pattern "* * * * * *") + Worker (own process), same Redis',
  processes: { baselineProcesses: [{ name: 'bullmq-worker', queues: [{ queue: BASELINE_QUEUE.timers }] }] },
  flags: [
    {
      name: 'fires',
      description: 'fires of the FIXED_RATE 100 ms timer per side (scenario 5)',
      default: 200,
      quick: 30,
    },
    {
      name: 'cron-fires',
      description: 'fires of the per-second CRON timer per side (scenario 5)',
      default: 30,
      quick: 5,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const specs: TimerSpec[] = [
      { key: 'rate', label: 'FIXED_RATE 100 ms', period: 100, fires: ctx.flag('fires') },
      { key: 'cron', label: 'CRON * * * * * *', period: 1000, fires: ctx.flag('cron-fires') },
    ];
    const rows: MetricRow[] = [];
    const details: Record<string, unknown> = {
      definition:
        'lateness = wall clock at the first line of the processor - the slot (instance expectedTriggerTime | the slot in the BullMQ job id repeat:<schedulerId>:<slot>)',
    };
    for (const spec of specs) {
      if (spec.fires <= 0) continue;
      ctx.log(
        `timers: Jobnest ${spec.label}, ${spec.fires} fires (~${Math.ceil((spec.fires * spec.period) / 1000)} s)`,
      );
      const j = await ctx.jobnestPhase(`timers-${spec.key}`, spec.fires, () => jobnestTimer(ctx, spec));
      ctx.log(`timers: BullMQ ${spec.label}, ${spec.fires} fires`);
      const b = await bullmqTimer(ctx, spec);
      const js = roundSummary(summarize(j.lateness));
      const bs = roundSummary(summarize(b.lateness));
      const incomplete = (r: TimerRun, side: string): string | undefined =>
        r.incomplete
          ? `${side} reached only ${r.lateness.length} of ${spec.fires} fires in the time allowed`
          : undefined;
      const note = [incomplete(j, 'Jobnest'), incomplete(b, 'BullMQ')].filter(Boolean).join('; ') || undefined;
      rows.push(
        { metric: `${spec.label}: lateness p50`, unit: 'ms', jobnest: js.p50, baseline: bs.p50, note },
        {
          metric: `${spec.label}: lateness p99`,
          unit: 'ms',
          jobnest: js.p99,
          baseline: bs.p99,
          target: { op: '<=', value: 20 },
        },
        { metric: `${spec.label}: lateness max`, unit: 'ms', jobnest: js.max, baseline: bs.max },
        {
          metric: `${spec.label}: missed slots`,
          unit: 'slots',
          jobnest: j.missedSlots + j.failures.length,
          baseline: b.missedSlots + b.failures.length,
        },
      );
      details[spec.key] = {
        label: spec.label,
        fires: spec.fires,
        jobnest: side(js, j),
        baseline: side(bs, b),
      };
    }
    return { rows, details };
  },
};

function side(summary: Summary, run: TimerRun): Record<string, unknown> {
  return {
    summary,
    missedSlots: run.missedSlots,
    failures: run.failures.slice(0, 20),
    failureCount: run.failures.length,
    incomplete: run.incomplete,
    ...run.extra,
    lateness: run.lateness,
  };
}

/** How long to wait for `fires` fires before giving up with what came. */
function allowedMs(spec: TimerSpec): number {
  return spec.fires * spec.period * 1.5 + 15_000;
}

async function jobnestTimer(ctx: ScenarioContext, spec: TimerSpec): Promise<TimerRun> {
  const client = ctx.env.client;
  const job = await client.createJob({
    name: `bench-timer-${spec.key}-${Date.now()}`,
    processor: 'bench.noop',
    executeType: 'STANDALONE',
    timeExpressionType: spec.key === 'rate' ? 'FIXED_RATE' : 'CRON',
    timeExpression: spec.key === 'rate' ? String(spec.period) : '* * * * * *',
    timeZone: 'UTC',
    ...ctx.env.firstWorkerOnly(),
  });
  const deadline = Date.now() + allowedMs(spec);
  let incomplete = false;
  for (;;) {
    const { total } = await client.listInstances({ jobId: job.id, size: 1 });
    if (total >= spec.fires) break;
    if (Date.now() > deadline) {
      incomplete = true;
      break;
    }
    ctx.env.assertAlive();
    await sleep(Math.min(250, spec.period * 2));
  }
  await client.disableJob(job.id);
  // Let the last instances finish (a no-op takes milliseconds; a stuck one is counted as a failure).
  let instances: Instance[];
  const settleBy = Date.now() + 15_000;
  do {
    await sleep(300);
    instances = await allInstances(ctx, job.id);
  } while (instances.some((i) => !isFinal(i.status)) && Date.now() < settleBy);
  const after = await client.getJob(job.id);
  await client.deleteJob(job.id).catch(() => undefined);

  const fired = instances.sort((a, b) => a.expectedTriggerTime - b.expectedTriggerTime).slice(0, spec.fires);
  const lateness: number[] = [];
  const failures: string[] = [];
  for (const i of fired) {
    const started = i.status === 'SUCCEEDED' ? decodeStamp(i.result) : undefined;
    if (started) lateness.push(started.wall - i.expectedTriggerTime);
    else
      failures.push(
        `instance ${i.id} (slot ${i.expectedTriggerTime}): ${i.status} ${i.statusReason ?? ''} ${i.result ?? ''}`.trim(),
      );
  }
  return {
    lateness,
    missedSlots: missed(
      fired.map((i) => i.expectedTriggerTime),
      spec.period,
    ),
    failures,
    incomplete,
    extra: { skippedSlots: after.skippedSlots, misfiredSlots: after.misfiredSlots },
  };
}

async function allInstances(ctx: ScenarioContext, jobId: number): Promise<Instance[]> {
  const out: Instance[] = [];
  for (let page = 1; ; page++) {
    const res = await ctx.env.client.listInstances({ jobId, size: 200, page });
    out.push(...res.items);
    if (res.items.length < 200 || out.length >= res.total) return out;
  }
}

function isFinal(status: Instance['status']): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'STOPPED' || status === 'CANCELED';
}

async function bullmqTimer(ctx: ScenarioContext, spec: TimerSpec): Promise<TimerRun> {
  const queue = ctx.env.baselineQueue(BASELINE_QUEUE.timers);
  const schedulerId = `bench-${spec.key}-${Date.now()}`;
  const prefix = `repeat:${schedulerId}:`;
  const before = await queue.getCompletedCount();
  await queue.upsertJobScheduler(
    schedulerId,
    spec.key === 'rate' ? { every: spec.period } : { pattern: '* * * * * *', tz: 'UTC' },
    { name: 'tick', opts: { removeOnComplete: false, removeOnFail: false } },
  );
  const deadline = Date.now() + allowedMs(spec);
  let incomplete = false;
  for (;;) {
    if ((await queue.getCompletedCount()) - before >= spec.fires) break;
    if (Date.now() > deadline) {
      incomplete = true;
      break;
    }
    ctx.env.assertAlive();
    await sleep(Math.min(250, spec.period * 2));
  }
  await queue.removeJobScheduler(schedulerId);
  await sleep(500); // a job taken just before the removal finishes
  const jobs = (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => j.id?.startsWith(prefix));
  const fired = jobs
    .map((j) => ({ job: j, slot: Number(j.id!.slice(prefix.length)) }))
    .sort((a, b) => a.slot - b.slot)
    .slice(0, spec.fires);
  const lateness: number[] = [];
  const failures: string[] = [];
  for (const { job, slot } of fired) {
    const started = job.failedReason ? undefined : decodeStamp(job.returnvalue as string | undefined);
    if (started) lateness.push(started.wall - slot);
    else failures.push(`job ${job.id}: ${job.failedReason ?? 'no stamp'}`);
  }
  return {
    lateness,
    missedSlots: missed(
      fired.map((f) => f.slot),
      spec.period,
    ),
    failures,
    incomplete,
  };
}

/** Slots on the grid between the first and the last one seen that have no fire. */
function missed(slots: number[], period: number): number {
  if (slots.length < 2) return 0;
  const sorted = [...slots].sort((a, b) => a - b);
  const span = Math.round((sorted[sorted.length - 1]! - sorted[0]!) / period) + 1;
  return Math.max(0, span - new Set(sorted).size);
}

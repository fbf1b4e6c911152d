import { setTimeout as sleep } from 'node:timers/promises';
import type { Job as BullJob } from 'bullmq';
import { isFinalStatus, JobnestApiError, JobnestClient, MAX_BULK_RUNS, type Instance } from '@jobnest/client';
import { decodeStamp, monoMs, type Stamp } from '../clock';
import { CpuCost, describeCpu, perThousand, type CpuSpent } from '../env/cpu-cost';
import { RssSampler, type RssSeries } from '../env/rss-sampler';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { percentile, round3, roundSummary, summarize, type Summary } from '../stats';
import { BASELINE_QUEUE } from '../workers/baseline-queues';

/** Jobnest workers, and BullMQ Worker processes of the baseline. */
const WORKERS = 2;
/** Concurrency of each baseline process's Worker (a Jobnest worker takes 50 commands at once too). */
const BASELINE_CONCURRENCY = 50;
const BASELINE_PROCESS_NAMES = ['bullmq-worker-a', 'bullmq-worker-b'] as const;
/** Pause between two polls of the done counts: the end time itself comes from finishedTime / finishedOn. */
const POLL_MS = 200;
const PROGRESS_EVERY_MS = 5_000;
/** Largest page GET /api/v1/instances allows (PageQueryDto: size <= 200). */
const INSTANCE_PAGE = 200;
const BULLMQ_PAGE = 1_000;
/** A bulk request of 1,000 runs on a busy server may take longer than the client's default 10 s. */
const REQUEST_TIMEOUT_MS = 60_000;
/** A CRON fire later than this counts as late (the target of p99). */
const LATE_MS = 20;
/** After the last slot of the window, time for its runs to finish before the timers are stopped. */
const CRON_SETTLE_MS = 1_500;
/** Once the timers are stopped, how long to wait for runs of the window still going. */
const CRON_FINISH_MS = 15_000;

/** When each run was asked for, and what came back. A bulk request's runs share its sent time. */
interface Submission {
  n: number;
  sentMono: bigint[];
  sentWall: number[];
  /** Wall clock when the first request was sent. */
  firstSentWall: number;
  /** Instance id | BullMQ job id -> run index. */
  index: Map<string, number>;
  /** Sent -> answered of each request that was answered, ms. */
  request: number[];
  /** Runs whose request failed. */
  failedRuns: number;
  errors: string[];
  /** The error that stopped the submission (bulk: 404, the endpoint is missing). */
  aborted?: unknown;
}

/** A run as read back once the burst is over. */
interface Finished {
  id: string;
  ok: boolean;
  result: string | null | undefined;
  /** When SUCCEEDED was stored: Jobnest finishedTime (server clock), BullMQ finishedOn (Worker clock). */
  finishedAt: number | null;
  reason: string;
}

/** One side of one burst (API or bulk). */
interface BurstRun {
  n: number;
  /** Runs whose request was answered (instances created | jobs added). */
  accepted: number;
  /** Runs that SUCCEEDED with a start stamp. */
  succeeded: number;
  /** n - succeeded. */
  failed: number;
  instancesPerSecond: number | null;
  /** First request sent -> last finished, ms. */
  spanMs: number | null;
  start: number[];
  stored: number[];
  request: number[];
  /** Runs finished per second after the first request was sent. */
  completedPerSecond: number[];
  failures: string[];
  timedOut: boolean;
  /** Runs read back that no answered request named (e.g. created by a request that timed out). */
  unattributed: number;
  rss?: RssSeries[];
  /** CPU time every process spent per 1,000 runs, from the first request until every run was done. */
  cpuPerThousand?: CpuSpent;
  /** After a timeout: how long the runs left over took to finish (unmeasured), and how many never did. */
  drain?: { ms: number; left: number };
  /** Why this side has no figures. */
  missing?: string;
}

/** One side of the CRON fan-out. */
interface CronRun {
  jobs: number;
  seconds: number;
  window: CronWindow;
  /** Processor start (wall) - slot, ms, every fire of the window. */
  lateness: number[];
  late: number;
  /** Slots of the window (jobs x seconds) that never started the processor. */
  missedSlots: number;
  failures: string[];
  extra?: Record<string, unknown>;
}

interface CronWindow {
  /** First slot (a second boundary, epoch ms). */
  start: number;
  /** End, exclusive: start + seconds x 1000. */
  end: number;
}

interface CronFire {
  timer: string;
  slot: number;
  stamp: Stamp | undefined;
  reason: string;
}

/**
 * Scenario 7: throughput. How many no-op STANDALONE runs per second go from "run this" to SUCCEEDED stored, asked
 * one per request by many clients at once, and in bulk requests; and how late 100 per-second CRON jobs start
 * their processor when they all fire at the same second boundary.
 */
export const throughputScenario: Scenario = {
  id: 7,
  name: 'throughput',
  title: 'throughput: a burst of API runs, bulk runs, 100 per-second CRON jobs',
  baseline: `BullMQ Queue.add / addBulk by the same number of concurrent producers, and 100 job schedulers (pattern "* * * * * *"); ${WORKERS} Worker processes (${BASELINE_PROCESS_NAMES.join(', ')}), concurrency ${BASELINE_CONCURRENCY} each, same Redis`,
  processes: {
    jobnestWorkers: WORKERS,
    baselineProcesses: BASELINE_PROCESS_NAMES.map((name) => ({
      name,
      queues: [
        { queue: BASELINE_QUEUE.throughput, concurrency: BASELINE_CONCURRENCY },
        { queue: BASELINE_QUEUE.throughputCron, concurrency: BASELINE_CONCURRENCY },
      ],
    })),
  },
  flags: [
    {
      name: 'throughput-runs',
      description: 'no-op runs of the API burst and of the bulk phase, per side; 0 skips both (scenario 7)',
      default: 20_000,
      quick: 2_000,
    },
    { name: 'clients', description: 'concurrent clients of the API burst (scenario 7)', default: 64, quick: 16 },
    {
      name: 'bulk-size',
      description: `runs per bulk request, at most ${MAX_BULK_RUNS} (scenario 7)`,
      default: 1_000,
      quick: 500,
    },
    { name: 'bulk-clients', description: 'concurrent bulk requests (scenario 7)', default: 4, quick: 2 },
    {
      name: 'cron-jobs',
      description: 'per-second CRON jobs of the fan-out; 0 skips it (scenario 7)',
      default: 100,
      quick: 20,
    },
    {
      name: 'cron-seconds',
      description: 'seconds of slots measured in the CRON fan-out (scenario 7)',
      default: 10,
      quick: 4,
    },
    {
      name: 'throughput-timeout-s',
      description: 'seconds a burst may take until every run is done (scenario 7)',
      default: 180,
      quick: 120,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const n = ctx.flag('throughput-runs');
    const clients = ctx.flag('clients');
    const bulkSize = ctx.flag('bulk-size');
    const bulkClients = ctx.flag('bulk-clients');
    const cronJobs = ctx.flag('cron-jobs');
    const cronSeconds = ctx.flag('cron-seconds');
    const timeoutMs = ctx.flag('throughput-timeout-s') * 1000;
    if (bulkSize < 1 || bulkSize > MAX_BULK_RUNS) throw new Error(`--bulk-size must be 1..${MAX_BULK_RUNS}`);
    if (clients < 1 || bulkClients < 1) throw new Error('--clients and --bulk-clients must be >= 1');

    // --throughput-runs 0 or --cron-jobs 0 skips those phases (e.g. the CRON fan-out alone).
    const rows: MetricRow[] = [];
    const details: Record<string, unknown> = {};
    if (n > 0) {
      const api = { n, concurrency: clients, batch: 1, timeoutMs };
      const bulk = { n, concurrency: bulkClients, batch: bulkSize, timeoutMs };
      ctx.log(`throughput: Jobnest API burst, ${fmtInt(n)} runs of bench.noop by ${clients} concurrent clients`);
      const jApi = await ctx.jobnestPhase('throughput-api', n, () => jobnestBurst(ctx, 'api', api));
      logBurst(ctx, 'Jobnest API burst', jApi);
      ctx.log(`throughput: BullMQ burst, ${fmtInt(n)} Queue.add by ${clients} concurrent producers`);
      const bApi = await bullmqBurst(ctx, 'api', api);
      logBurst(ctx, 'BullMQ burst', bApi);

      ctx.log(`throughput: Jobnest bulk, ${fmtInt(n)} runs in requests of ${bulkSize}, ${bulkClients} at once`);
      const jBulk = await ctx.jobnestPhase('throughput-bulk', n, () => jobnestBurst(ctx, 'bulk', bulk));
      logBurst(ctx, 'Jobnest bulk', jBulk);
      ctx.log(`throughput: BullMQ bulk, ${fmtInt(n)} jobs in addBulk of ${bulkSize}, ${bulkClients} at once`);
      const bBulk = await bullmqBurst(ctx, 'bulk', bulk);
      logBurst(ctx, 'BullMQ bulk', bBulk);

      rows.push(
        ...burstRows('API burst', jApi, bApi, 3000, `${fmtInt(n)} runs, ${clients} concurrent clients`),
        ...burstRows(
          'bulk',
          jBulk,
          bBulk,
          8000,
          `${fmtInt(n)} runs in requests of ${bulkSize}, ${bulkClients} concurrent requests`,
        ),
      );
      details.apiBurst = { jobnest: burstDetails(jApi), baseline: burstDetails(bApi) };
      details.bulk = { jobnest: burstDetails(jBulk), baseline: burstDetails(bBulk) };
    }

    if (cronJobs > 0 && cronSeconds > 0) {
      ctx.log(`throughput: Jobnest CRON fan-out, ${cronJobs} jobs "* * * * * *" for ${cronSeconds} s`);
      const jCron = await ctx.jobnestPhase('throughput-cron', cronJobs * cronSeconds, () =>
        jobnestCron(ctx, cronJobs, cronSeconds),
      );
      ctx.log(`throughput: BullMQ CRON fan-out, ${cronJobs} job schedulers for ${cronSeconds} s`);
      const bCron = await bullmqCron(ctx, cronJobs, cronSeconds);
      rows.push(...cronRows(jCron, bCron));
      details.cron = { jobnest: cronDetails(jCron), baseline: cronDetails(bCron) };
    }
    return {
      rows,
      details: {
        flags: { n, clients, bulkSize, bulkClients, cronJobs, cronSeconds, timeoutMs },
        jobnestWorkers: WORKERS,
        baselineProcesses: BASELINE_PROCESS_NAMES,
        baselineConcurrency: BASELINE_CONCURRENCY,
        definitions: {
          instancesPerSecond:
            'runs that SUCCEEDED / (last SUCCEEDED stored - first request sent), wall clock; Jobnest: finishedTime, BullMQ: finishedOn',
          start:
            'request sent (runJob | runJobBulk | Queue.add | Queue.addBulk called; in bulk, the request that carried the run) -> first line of the processor, monotonic clock',
          stored:
            'request sent -> SUCCEEDED written by the server (finishedTime, wall clock) | BullMQ job finishedOn (the Worker process clock when it completed the job)',
          request: 'request sent -> answered, one sample per request (a bulk request counts once)',
          failed:
            'runs asked for - runs that SUCCEEDED with a start stamp (request failed, FAILED, or not done within the timeout); after a timeout the Jobnest runs left over are waited for (drain, unmeasured) before the next phase',
          cpuPerThousand:
            'CPU time of every process the bench started (the server, the Jobnest workers and the BullMQ Worker processes: each side counts the other side idle), MariaDB, Redis, and the bench with its clients and polling, from the first request until every run was done, per 1,000 runs; MariaDB and Redis count whole',
          serverPeakRss:
            'VmRSS of the Jobnest server every 100 ms from before the first request until every run was done',
          cronLateness:
            'wall clock at the first line of the processor - the slot (instance expectedTriggerTime | the slot in the BullMQ job id repeat:<schedulerId>:<slot>), every fire whose slot is in the window',
          cronWindow:
            'cron-seconds consecutive second boundaries, starting 2 s after the last timer was created; missed slots = jobs x seconds - (timer, slot) pairs that started the processor',
        },
        ...details,
      },
    };
  },
};

// ---- the bursts ----

interface BurstSpec {
  n: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Runs per request (1: one run per request). */
  batch: number;
  timeoutMs: number;
}

async function jobnestBurst(ctx: ScenarioContext, mode: 'api' | 'bulk', spec: BurstSpec): Promise<BurstRun> {
  const { env } = ctx;
  // Same token, longer timeout; the global fetch keeps one keep-alive pool per origin, so requests run in parallel.
  const client = new JobnestClient({
    baseUrl: env.baseUrl,
    accessToken: env.client.accessToken,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  const job = await client.createJob({
    name: `bench-throughput-${mode}-${Date.now()}`,
    processor: 'bench.noop',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
  });
  const sampler = env.server ? new RssSampler([{ name: 'server', pid: env.server.pid }]) : undefined;
  const deadline = Date.now() + spec.timeoutMs;
  let rss: RssSeries[] | undefined;
  const stopSampler = (): RssSeries[] | undefined => (rss ??= sampler?.stop());
  sampler?.start();
  const cpu = CpuCost.start(() => env.rolePids());
  try {
    const sub =
      mode === 'api'
        ? await submit(ctx, 'jobnest', spec, async () => [(await client.runJob(job.id)).instanceId])
        : await submit(
            ctx,
            'jobnest',
            spec,
            async (_from, count) =>
              (
                await client.runJobBulk(
                  job.id,
                  Array.from({ length: count }, () => ({})),
                )
              ).instanceIds,
            (err) => err instanceof JobnestApiError && err.status === 404,
          );
    if (sub.aborted !== undefined && sub.index.size === 0) {
      const why = sub.aborted instanceof Error ? sub.aborted.message : String(sub.aborted);
      return missingRun(spec.n, `POST /api/v1/jobs/:id/runs is not on this server (404: ${why})`);
    }
    const counts = async (): Promise<{ succeeded: number; failed: number }> => {
      const [ok, failed] = await Promise.all([
        client.listInstances({ jobId: job.id, status: 'SUCCEEDED', size: 1 }),
        client.listInstances({ jobId: job.id, status: 'FAILED', size: 1 }),
      ]);
      return { succeeded: ok.total, failed: failed.total };
    };
    const done = await awaitDone(ctx, 'jobnest', sub.index.size, deadline, counts);
    const cpuPerThousand = perThousand(cpu.spent(), sub.index.size);
    stopSampler();
    const instances = await allInstances(client, job.id);
    const finished: Finished[] = instances.map((i) => ({
      id: String(i.id),
      ok: i.status === 'SUCCEEDED',
      result: i.result,
      finishedAt: i.finishedTime,
      reason: `instance ${i.id}: ${i.status} ${i.statusReason ?? ''} ${i.result ?? ''}`.trim(),
    }));
    const run: BurstRun = { ...measure(sub, finished, done.timedOut), rss, cpuPerThousand };
    if (done.timedOut) {
      // Deleting the job does not stop its queued runs: the next phases would queue behind them. Not measured.
      ctx.log(`  jobnest: waiting (up to ${spec.timeoutMs / 1000} s) for the runs left over to finish`);
      const drainStart = Date.now();
      const drained = await awaitDone(ctx, 'jobnest drain', sub.index.size, drainStart + spec.timeoutMs, counts);
      run.drain = { ms: Date.now() - drainStart, left: sub.index.size - drained.succeeded - drained.failed };
    }
    return run;
  } finally {
    stopSampler();
    // Every run is done (or given up on): the job and its instances go, so later scenarios start clean.
    await client.deleteJob(job.id).catch((e: unknown) => ctx.log(`  could not delete job ${job.id}: ${String(e)}`));
  }
}

async function bullmqBurst(ctx: ScenarioContext, mode: 'api' | 'bulk', spec: BurstSpec): Promise<BurstRun> {
  const queue = ctx.env.baselineQueue(BASELINE_QUEUE.throughput);
  // Counts start at 0 in each phase (obliterate also drops the paused flag it sets).
  await queue.obliterate({ force: true });
  const opts = { removeOnComplete: false, removeOnFail: false };
  const deadline = Date.now() + spec.timeoutMs;
  const cpu = CpuCost.start(() => ctx.env.rolePids());
  try {
    const sub =
      mode === 'api'
        ? await submit(ctx, 'bullmq', spec, async (from) => [String((await queue.add('noop', { i: from }, opts)).id)])
        : await submit(ctx, 'bullmq', spec, async (from, count) =>
            (
              await queue.addBulk(
                Array.from({ length: count }, (_, k) => ({ name: 'noop', data: { i: from + k }, opts })),
              )
            ).map((j) => String(j.id)),
          );
    const done = await awaitDone(ctx, 'bullmq', sub.index.size, deadline, async () => {
      const counts = await queue.getJobCounts('completed', 'failed');
      return { succeeded: counts.completed ?? 0, failed: counts.failed ?? 0 };
    });
    const cpuPerThousand = perThousand(cpu.spent(), sub.index.size);
    const jobs: BullJob[] = [];
    for (let from = 0; ; from += BULLMQ_PAGE) {
      const page = await queue.getJobs(['completed'], from, from + BULLMQ_PAGE - 1);
      jobs.push(...page);
      if (page.length < BULLMQ_PAGE) break;
    }
    const failed = await queue.getJobs(['failed'], 0, 99);
    const finished: Finished[] = [...jobs, ...failed].map((j) => ({
      id: String(j.id),
      ok: !j.failedReason && j.finishedOn !== undefined,
      result: typeof j.returnvalue === 'string' ? j.returnvalue : undefined,
      finishedAt: j.finishedOn ?? null,
      reason: `job ${j.id}: ${j.failedReason ?? 'no stamp'}`,
    }));
    return { ...measure(sub, finished, done.timedOut), cpuPerThousand };
  } finally {
    await queue.obliterate({ force: true }).catch((e: unknown) => ctx.log(`  obliterate failed: ${String(e)}`));
  }
}

/**
 * Sends `spec.n` runs with `spec.concurrency` loops, each taking the next `spec.batch` runs until all are sent.
 * `send` returns the ids of the runs it created, in order. `abortOn`: an error after which nothing more is sent.
 */
async function submit(
  ctx: ScenarioContext,
  side: string,
  spec: BurstSpec,
  send: (from: number, count: number) => Promise<readonly (number | string)[]>,
  abortOn?: (err: unknown) => boolean,
): Promise<Submission> {
  const sub: Submission = {
    n: spec.n,
    sentMono: new Array<bigint>(spec.n).fill(0n),
    sentWall: new Array<number>(spec.n).fill(0),
    firstSentWall: Number.NaN,
    index: new Map(),
    request: [],
    failedRuns: 0,
    errors: [],
  };
  let next = 0;
  let lastLog = Date.now();
  const loop = async (): Promise<void> => {
    while (sub.aborted === undefined && next < spec.n) {
      const from = next;
      const count = Math.min(spec.batch, spec.n - from);
      next += count;
      const wall = Date.now();
      const mono = process.hrtime.bigint();
      if (Number.isNaN(sub.firstSentWall)) sub.firstSentWall = wall;
      for (let i = from; i < from + count; i++) {
        sub.sentMono[i] = mono;
        sub.sentWall[i] = wall;
      }
      try {
        const ids = await send(from, count);
        sub.request.push(monoMs(mono, process.hrtime.bigint()));
        ids.forEach((id, k) => sub.index.set(String(id), from + k));
        if (ids.length !== count) sub.errors.push(`runs ${from}+${count}: ${ids.length} ids came back`);
      } catch (err) {
        sub.failedRuns += count;
        if (sub.errors.length < 20) sub.errors.push(`runs ${from}+${count}: ${String(err)}`);
        if (abortOn?.(err)) sub.aborted = err;
      }
      if (Date.now() - lastLog >= PROGRESS_EVERY_MS) {
        lastLog = Date.now();
        ctx.log(`  ${side}: ${fmtInt(next)} of ${fmtInt(spec.n)} runs sent`);
        ctx.env.assertAlive();
      }
    }
  };
  const loops = Math.min(spec.concurrency, Math.ceil(spec.n / spec.batch));
  await Promise.all(Array.from({ length: loops }, loop));
  if (sub.failedRuns > 0) ctx.log(`  ${side}: ${fmtInt(sub.failedRuns)} runs not accepted: ${sub.errors[0] ?? ''}`);
  return sub;
}

/** Polls the done counts until `expected` runs are done (succeeded or failed) or the deadline passes. */
async function awaitDone(
  ctx: ScenarioContext,
  side: string,
  expected: number,
  deadline: number,
  counts: () => Promise<{ succeeded: number; failed: number }>,
): Promise<{ succeeded: number; failed: number; timedOut: boolean }> {
  let lastLog = Date.now();
  for (;;) {
    const c = await counts();
    if (c.succeeded + c.failed >= expected) return { ...c, timedOut: false };
    if (Date.now() > deadline) {
      ctx.log(`  ${side}: timed out with ${fmtInt(c.succeeded)} succeeded, ${fmtInt(c.failed)} failed of ${expected}`);
      return { ...c, timedOut: true };
    }
    if (Date.now() - lastLog >= PROGRESS_EVERY_MS) {
      lastLog = Date.now();
      ctx.log(`  ${side}: ${fmtInt(c.succeeded)} of ${fmtInt(expected)} succeeded, ${fmtInt(c.failed)} failed`);
    }
    ctx.env.assertAlive();
    await sleep(POLL_MS);
  }
}

/** The figures of one burst from what was sent and what was read back. */
function measure(sub: Submission, finished: readonly Finished[], timedOut: boolean): BurstRun {
  const start: number[] = [];
  const stored: number[] = [];
  const failures: string[] = [...sub.errors];
  const finishedAt: number[] = [];
  let unattributed = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const f of finished) {
    const i = sub.index.get(f.id);
    if (i === undefined) {
      unattributed++;
      continue;
    }
    const stamp = f.ok ? decodeStamp(f.result) : undefined;
    if (!stamp || f.finishedAt === null) {
      if (failures.length < 20) failures.push(f.reason);
      continue;
    }
    start.push(monoMs(sub.sentMono[i]!, stamp.mono));
    stored.push(f.finishedAt - sub.sentWall[i]!);
    finishedAt.push(f.finishedAt);
    last = Math.max(last, f.finishedAt);
  }
  const succeeded = start.length;
  const spanMs = succeeded > 0 ? last - sub.firstSentWall : null;
  const completedPerSecond: number[] = [];
  for (const t of finishedAt) {
    const s = Math.max(0, Math.floor((t - sub.firstSentWall) / 1000));
    while (completedPerSecond.length <= s) completedPerSecond.push(0);
    completedPerSecond[s]!++;
  }
  return {
    n: sub.n,
    accepted: sub.index.size,
    succeeded,
    failed: sub.n - succeeded,
    instancesPerSecond: spanMs !== null && spanMs > 0 ? Math.round(succeeded / (spanMs / 1000)) : null,
    spanMs,
    start,
    stored,
    request: sub.request,
    completedPerSecond,
    failures,
    timedOut,
    unattributed,
  };
}

function missingRun(n: number, why: string): BurstRun {
  return {
    n,
    accepted: 0,
    succeeded: 0,
    failed: n,
    instancesPerSecond: null,
    spanMs: null,
    start: [],
    stored: [],
    request: [],
    completedPerSecond: [],
    failures: [],
    timedOut: false,
    unattributed: 0,
    missing: why,
  };
}

async function allInstances(client: JobnestClient, jobId: number): Promise<Instance[]> {
  const out: Instance[] = [];
  for (let page = 1; ; page++) {
    const res = await client.listInstances({ jobId, size: INSTANCE_PAGE, page });
    out.push(...res.items);
    if (res.items.length < INSTANCE_PAGE || out.length >= res.total) return out;
  }
}

function logBurst(ctx: ScenarioContext, label: string, r: BurstRun): void {
  if (r.missing) {
    ctx.log(`  ${label}: no figures, ${r.missing}`);
    return;
  }
  const secs = r.spanMs === null ? '-' : (r.spanMs / 1000).toFixed(1);
  ctx.log(
    `  ${label}: ${fmtInt(r.succeeded)} of ${fmtInt(r.n)} succeeded in ${secs} s, ${fmtInt(r.instancesPerSecond ?? 0)} runs/s`,
  );
  if (r.cpuPerThousand) {
    ctx.log(`    CPU ms per 1,000 runs: ${r.cpuPerThousand.totalMs} (${describeCpu(r.cpuPerThousand)})`);
  }
}

function burstRows(label: string, j: BurstRun, b: BurstRun, target: number, what: string): MetricRow[] {
  const js = stats(j);
  const bs = stats(b);
  const peak = (r: BurstRun): number | null => {
    const s = r.rss?.find((x) => x.name === 'server');
    return s && !Number.isNaN(s.peakMb) ? s.peakMb : null;
  };
  const incomplete = (r: BurstRun, side: string): string | undefined => {
    if (!r.timedOut) return undefined;
    const drain = r.drain
      ? r.drain.left > 0
        ? `, ${fmtInt(r.drain.left)} still not done ${(r.drain.ms / 1000).toFixed(0)} s later (the next phases ran beside them)`
        : `, the rest finished ${(r.drain.ms / 1000).toFixed(0)} s later (waited for, unmeasured)`
      : '';
    return `${side}: only ${fmtInt(r.succeeded)} of ${fmtInt(r.n)} runs SUCCEEDED within the timeout${drain}`;
  };
  const note = [what, j.missing, incomplete(j, 'Jobnest'), incomplete(b, 'BullMQ')].filter(Boolean).join('; ');
  const v = (r: BurstRun, x: number | null): number | null => (r.missing ? null : x);
  return [
    {
      metric: `${label}: instances/s`,
      unit: 'instances/s',
      jobnest: j.instancesPerSecond,
      baseline: b.instancesPerSecond,
      target: { op: '>=', value: target },
      note,
    },
    { metric: `${label}: request -> start p50`, unit: 'ms', jobnest: v(j, js.start.p50), baseline: bs.start.p50 },
    { metric: `${label}: request -> start p99`, unit: 'ms', jobnest: v(j, js.start.p99), baseline: bs.start.p99 },
    {
      metric: `${label}: request -> SUCCEEDED stored p50`,
      unit: 'ms',
      jobnest: v(j, js.stored.p50),
      baseline: bs.stored.p50,
    },
    {
      metric: `${label}: request -> SUCCEEDED stored p99`,
      unit: 'ms',
      jobnest: v(j, js.stored.p99),
      baseline: bs.stored.p99,
    },
    { metric: `${label}: request answered p50`, unit: 'ms', jobnest: v(j, js.request.p50), baseline: bs.request.p50 },
    { metric: `${label}: request answered p99`, unit: 'ms', jobnest: v(j, js.request.p99), baseline: bs.request.p99 },
    { metric: `${label}: failed or unfinished runs`, unit: 'runs', jobnest: v(j, j.failed), baseline: b.failed },
    { metric: `${label}: server peak RSS`, unit: 'MB', jobnest: peak(j), baseline: null },
    {
      metric: `${label}: CPU ms per 1,000 runs (all processes)`,
      unit: 'ms',
      jobnest: v(j, j.cpuPerThousand?.totalMs ?? null),
      baseline: b.cpuPerThousand?.totalMs ?? null,
    },
  ];
}

function stats(r: BurstRun): { start: Summary; stored: Summary; request: Summary } {
  return {
    start: roundSummary(summarize(r.start)),
    stored: roundSummary(summarize(r.stored)),
    request: roundSummary(summarize(r.request)),
  };
}

/** A summary plus the quartiles, p95 and p99.9: enough of the shape of 20,000 samples for the JSON. */
function distribution(values: readonly number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    ...roundSummary(summarize(sorted)),
    p25: round3(percentile(sorted, 25)),
    p75: round3(percentile(sorted, 75)),
    p95: round3(percentile(sorted, 95)),
    p999: round3(percentile(sorted, 99.9)),
  };
}

function burstDetails(r: BurstRun): Record<string, unknown> {
  return {
    n: r.n,
    missing: r.missing ?? null,
    accepted: r.accepted,
    succeeded: r.succeeded,
    failed: r.failed,
    timedOut: r.timedOut,
    drain: r.drain ?? null,
    unattributed: r.unattributed,
    instancesPerSecond: r.instancesPerSecond,
    spanMs: r.spanMs,
    requests: r.request.length,
    cpuPerThousand: r.cpuPerThousand ?? null,
    start: distribution(r.start),
    stored: distribution(r.stored),
    request: distribution(r.request),
    completedPerSecond: r.completedPerSecond,
    failures: r.failures.slice(0, 20),
    rss: r.rss ?? null,
  };
}

// ---- the CRON fan-out ----

/** The slots measured: from the second after next (every timer created so far is armed by then), `seconds` long. */
function cronWindow(seconds: number): CronWindow {
  const start = (Math.floor(Date.now() / 1000) + 2) * 1000;
  return { start, end: start + seconds * 1000 };
}

/** Waits until the window's last slot has had CRON_SETTLE_MS to run. */
async function awaitWindow(ctx: ScenarioContext, window: CronWindow): Promise<void> {
  const until = window.end - 1000 + CRON_SETTLE_MS;
  while (Date.now() < until) {
    ctx.env.assertAlive();
    await sleep(Math.min(500, Math.max(1, until - Date.now())));
  }
}

function cronResult(jobs: number, seconds: number, window: CronWindow, fires: readonly CronFire[]): CronRun {
  const lateness: number[] = [];
  const failures: string[] = [];
  const lateFires: { fire: string; lateMs: number }[] = [];
  const started = new Set<string>();
  for (const f of fires) {
    if (f.slot < window.start || f.slot >= window.end) continue;
    if (!f.stamp) {
      failures.push(f.reason);
      continue;
    }
    lateness.push(f.stamp.wall - f.slot);
    started.add(`${f.timer}@${f.slot}`);
    // Kept for diagnosis: which timer and slot, and when it started.
    if (f.stamp.wall - f.slot > LATE_MS) lateFires.push({ fire: f.reason, lateMs: f.stamp.wall - f.slot });
  }
  return {
    jobs,
    seconds,
    window,
    lateness,
    late: lateness.filter((l) => l > LATE_MS).length,
    missedSlots: jobs * seconds - started.size,
    failures,
    extra: { lateFires: lateFires.slice(0, 50) },
  };
}

async function jobnestCron(ctx: ScenarioContext, count: number, seconds: number): Promise<CronRun> {
  const client = ctx.env.client;
  const ids: number[] = [];
  try {
    const stamp = Date.now();
    for (let i = 0; i < count; i++) {
      const job = await client.createJob({
        name: `bench-throughput-cron-${i}-${stamp}`,
        processor: 'bench.noop',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '* * * * * *',
        timeZone: 'UTC',
      });
      ids.push(job.id);
    }
    const window = cronWindow(seconds);
    await awaitWindow(ctx, window);
    await inChunks(ids, (id) => client.disableJob(id));
    const inWindow = (i: Instance): boolean =>
      i.expectedTriggerTime >= window.start && i.expectedTriggerTime < window.end;
    let instances: Instance[] = [];
    const finishBy = Date.now() + CRON_FINISH_MS;
    for (;;) {
      instances = (await inChunks(ids, (id) => allInstances(client, id))).flat();
      if (!instances.some((i) => inWindow(i) && !isFinalStatus(i.status)) || Date.now() > finishBy) break;
      await sleep(300);
    }
    const jobs = await inChunks(ids, (id) => client.getJob(id));
    const fires: CronFire[] = instances.map((i) => ({
      timer: String(i.jobId),
      slot: i.expectedTriggerTime,
      stamp: i.status === 'SUCCEEDED' ? decodeStamp(i.result) : undefined,
      reason:
        `job ${i.jobId} instance ${i.id} (slot ${i.expectedTriggerTime}): ${i.status} ${i.statusReason ?? ''}`.trim(),
    }));
    const run = cronResult(count, seconds, window, fires);
    run.extra = {
      ...run.extra,
      skippedSlots: jobs.reduce((s, j) => s + j.skippedSlots, 0),
      misfiredSlots: jobs.reduce((s, j) => s + j.misfiredSlots, 0),
    };
    return run;
  } finally {
    await inChunks(ids, (id) => client.deleteJob(id).catch(() => undefined));
  }
}

async function bullmqCron(ctx: ScenarioContext, count: number, seconds: number): Promise<CronRun> {
  const queue = ctx.env.baselineQueue(BASELINE_QUEUE.throughputCron);
  await queue.obliterate({ force: true });
  const stamp = Date.now();
  const schedulers = Array.from({ length: count }, (_, i) => `bench-tp-${i}-${stamp}`);
  try {
    for (const id of schedulers) {
      await queue.upsertJobScheduler(
        id,
        { pattern: '* * * * * *', tz: 'UTC' },
        { name: 'tick', opts: { removeOnComplete: false, removeOnFail: false } },
      );
    }
    const window = cronWindow(seconds);
    await awaitWindow(ctx, window);
    for (const id of schedulers) await queue.removeJobScheduler(id);
    await sleep(1000); // jobs taken just before the removal finish
    const jobs = await queue.getJobs(['completed', 'failed'], 0, -1);
    const fires: CronFire[] = [];
    for (const j of jobs) {
      // Job ids of a scheduler: repeat:<schedulerId>:<slot millis>.
      const id = String(j.id);
      if (!id.startsWith('repeat:')) continue;
      const cut = id.lastIndexOf(':');
      fires.push({
        timer: id.slice('repeat:'.length, cut),
        slot: Number(id.slice(cut + 1)),
        stamp: j.failedReason ? undefined : decodeStamp(typeof j.returnvalue === 'string' ? j.returnvalue : undefined),
        reason: `job ${id}: ${j.failedReason ?? 'no stamp'}`,
      });
    }
    return cronResult(count, seconds, window, fires);
  } finally {
    for (const id of schedulers) await queue.removeJobScheduler(id).catch(() => undefined);
    await queue.obliterate({ force: true }).catch((e: unknown) => ctx.log(`  obliterate failed: ${String(e)}`));
  }
}

function cronRows(j: CronRun, b: CronRun): MetricRow[] {
  const js = roundSummary(summarize(j.lateness));
  const bs = roundSummary(summarize(b.lateness));
  const label = `CRON x${j.jobs}`;
  return [
    {
      metric: `${label}: lateness p50`,
      unit: 'ms',
      jobnest: js.p50,
      baseline: bs.p50,
      note: `${j.jobs} jobs "* * * * * *" x ${j.seconds} s of slots`,
    },
    {
      metric: `${label}: lateness p99`,
      unit: 'ms',
      jobnest: js.p99,
      baseline: bs.p99,
      target: { op: '<=', value: 20 },
    },
    { metric: `${label}: lateness max`, unit: 'ms', jobnest: js.max, baseline: bs.max },
    { metric: `${label}: fires late > ${LATE_MS} ms`, unit: 'fires', jobnest: j.late, baseline: b.late },
    { metric: `${label}: missed slots`, unit: 'slots', jobnest: j.missedSlots, baseline: b.missedSlots },
  ];
}

function cronDetails(r: CronRun): Record<string, unknown> {
  return {
    jobs: r.jobs,
    seconds: r.seconds,
    window: r.window,
    fires: r.lateness.length,
    lateBeyond20Ms: r.late,
    missedSlots: r.missedSlots,
    summary: distribution(r.lateness),
    failures: r.failures.slice(0, 20),
    failureCount: r.failures.length,
    ...r.extra,
    lateness: r.lateness,
  };
}

/** Runs `fn` over `items`, 10 at a time (100 timers' requests without flooding the server at once). */
async function inChunks<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 10) out.push(...(await Promise.all(items.slice(i, i + 10).map(fn))));
  return out;
}

function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

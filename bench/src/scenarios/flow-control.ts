import { setTimeout as sleep } from 'node:timers/promises';
import { JobnestClient, type JobInput } from '@jobnest/client';
import { CpuCost, describeCpu, perThousand, type CpuSpent } from '../env/cpu-cost';
import type { MetricRow, Scenario, ScenarioContext, ScenarioResult } from '../scenario';
import { percentile } from '../stats';
import { measureJobnest, summaries } from './dispatch';

/** A concurrency limit no sequential run reaches, and a rate limit none does: they cost their checks, never a wait. */
const KEYED: Partial<JobInput> = { concurrencyKeyPath: 'customer', concurrencyLimit: 1_000_000 };
const RATED: Partial<JobInput> = { rateLimit: 1_000_000, ratePeriodMs: 1000 };
/** Bulk requests of the throughput phase: 1,000 runs each, 4 in flight. */
const BULK = 1000;
const IN_FLIGHT = 4;

/** How fast `n` runs of a job went from the first request to the last SUCCEEDED. */
interface Burst {
  n: number;
  succeeded: number;
  ms: number;
  perSecond: number;
  /** The CPU time every process spent per 1,000 runs, from the first request to the last SUCCEEDED. */
  cpuPerThousand: CpuSpent;
}

/**
 * Scenario 9: what flow control costs. The dispatch latency of one run at a time with a concurrency key and with a
 * rate limit (both never reached), against the same job without them; and the throughput of runs spread over
 * 1,000 concurrency keys at limit 1, against the same runs without a limit.
 */
export const flowControlScenario: Scenario = {
  id: 9,
  name: 'flow-control',
  title: 'flow control overhead: concurrency keys and rate limits',
  baseline: 'the same Jobnest job without flow control, same run',
  flags: [
    { name: 'flow-runs', description: 'measured sequential runs per job (scenario 9)', default: 300, quick: 60 },
    { name: 'flow-burst', description: 'runs of each throughput phase (scenario 9)', default: 10_000, quick: 2_000 },
    {
      name: 'flow-rounds',
      description: 'throughput rounds, each a run without a limit then one with keys; medians compared (scenario 9)',
      default: 3,
      quick: 1,
    },
    {
      name: 'flow-keys',
      description: 'distinct concurrency keys, limit 1 each (scenario 9)',
      default: 1000,
      quick: 1000,
    },
  ],
  async run(ctx: ScenarioContext): Promise<ScenarioResult> {
    const runs = ctx.flag('flow-runs');
    const burst = ctx.flag('flow-burst');
    const keys = ctx.flag('flow-keys');
    const rounds = Math.max(1, ctx.flag('flow-rounds'));
    const warmup = Math.min(20, runs);

    ctx.log(`flow-control: ${runs} sequential runs each: no flow control, a concurrency key, a rate limit`);
    const plain = summaries(await ctx.jobnestPhase('flow plain', runs, () => measureJobnest(ctx, runs, warmup, 1)));
    const keyed = summaries(
      await ctx.jobnestPhase('flow keyed', runs, () => measureJobnest(ctx, runs, warmup, 1, KEYED)),
    );
    const rated = summaries(
      await ctx.jobnestPhase('flow rated', runs, () => measureJobnest(ctx, runs, warmup, 1, RATED)),
    );

    ctx.log(
      `flow-control: ${rounds} round(s) of ${burst} runs through the bulk endpoint, without a limit then over ${keys} keys at limit 1`,
    );
    // The two phases alternate and their medians are compared: on a shared 2-core machine one run of each swings by
    // 10-20% with whatever else the machine does, which a single pair would read as the cost of the keys.
    const unkeyedRounds: Burst[] = [];
    const limitedRounds: Burst[] = [];
    for (let round = 1; round <= rounds; round++) {
      unkeyedRounds.push(
        await ctx.jobnestPhase(`flow burst plain ${round}`, burst, () => runBurst(ctx, burst, keys, {})),
      );
      limitedRounds.push(
        await ctx.jobnestPhase(`flow burst keyed ${round}`, burst, () =>
          runBurst(ctx, burst, keys, { concurrencyKeyPath: 'customer', concurrencyLimit: 1 }),
        ),
      );
      const [unkeyedRound, limitedRound] = [unkeyedRounds[round - 1]!, limitedRounds[round - 1]!];
      ctx.log(
        `  round ${round}: without a limit ${unkeyedRound.perSecond}/s; ${keys} keys at limit 1: ${limitedRound.perSecond}/s`,
      );
      ctx.log(
        `    CPU ms per 1,000 runs: without a limit ${unkeyedRound.cpuPerThousand.totalMs} (${describeCpu(unkeyedRound.cpuPerThousand)}); keyed ${limitedRound.cpuPerThousand.totalMs} (${describeCpu(limitedRound.cpuPerThousand)})`,
      );
    }
    const unkeyed = medianOf(unkeyedRounds, (b) => b.perSecond);
    const limited = medianOf(limitedRounds, (b) => b.perSecond);

    const p50 = (s: typeof plain): number | null => s.start.p50;
    const plus1 = (p50(plain) ?? 0) + 1;
    const rows: MetricRow[] = [
      {
        metric: 'start latency p50, concurrency key',
        unit: 'ms',
        jobnest: p50(keyed),
        baseline: p50(plain),
        target: { op: '<=', value: Math.round(plus1 * 100) / 100 },
      },
      {
        metric: 'start latency p50, rate limit',
        unit: 'ms',
        jobnest: p50(rated),
        baseline: p50(plain),
        target: { op: '<=', value: Math.round(plus1 * 100) / 100 },
      },
      { metric: 'start latency p99, concurrency key', unit: 'ms', jobnest: keyed.start.p99, baseline: plain.start.p99 },
      { metric: 'start latency p99, rate limit', unit: 'ms', jobnest: rated.start.p99, baseline: plain.start.p99 },
      {
        metric: 'run request answered p50, concurrency key',
        unit: 'ms',
        jobnest: keyed.request.p50,
        baseline: plain.request.p50,
      },
      {
        metric: `instances/s over ${keys} keys at limit 1${rounds > 1 ? `, median of ${rounds}` : ''}`,
        unit: '/s',
        jobnest: limited,
        baseline: unkeyed,
        target: { op: '>=', value: Math.round(unkeyed * 0.8) },
      },
      {
        // Where the throughput goes on a machine whose cores are all busy: ratio J/B is keyed CPU over plain CPU.
        metric: `CPU ms per 1,000 runs over ${keys} keys at limit 1 (all processes)${rounds > 1 ? `, median of ${rounds}` : ''}`,
        unit: 'ms',
        jobnest: medianOf(limitedRounds, (b) => b.cpuPerThousand.totalMs),
        baseline: medianOf(unkeyedRounds, (b) => b.cpuPerThousand.totalMs),
      },
    ];
    return {
      rows,
      details: {
        runs,
        burst,
        keys,
        definitions: {
          latency: 'as scenario 3 (dispatch), one run at a time, on jobs with and without flow control',
          throughput: `${burst} runs through POST /jobs/:id/runs (${BULK} per request, ${IN_FLIGHT} at once), from the first request to the last SUCCEEDED; instanceParams {"customer": "c<i mod keys>"}; ${rounds} round(s), each without a limit then with keys, medians compared`,
          cpu: 'CPU time of every process the bench started (the server, the workers, the idle BullMQ baseline processes of other scenarios), MariaDB, Redis and the bench (its requests and polling) over the same span, per 1,000 runs; MariaDB and Redis count whole',
        },
        plain,
        keyed,
        rated,
        unkeyedRounds,
        limitedRounds,
      },
    };
  },
};

/** The median of the rounds' `value` (nearest rank; a round that did not finish has perSecond 0). */
function medianOf(bursts: readonly Burst[], value: (b: Burst) => number): number {
  return percentile(
    bursts.map(value).sort((x, y) => x - y),
    50,
  );
}

async function runBurst(ctx: ScenarioContext, n: number, keys: number, flow: Partial<JobInput>): Promise<Burst> {
  const client = new JobnestClient({
    baseUrl: ctx.env.baseUrl,
    accessToken: ctx.env.client.accessToken,
    timeoutMs: 60_000,
  });
  const job = await client.createJob({
    name: `bench-flow-${Date.now()}`,
    processor: 'bench.noop',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
    ...flow,
  });
  try {
    const cpu = CpuCost.start(() => ctx.env.rolePids());
    const started = Date.now();
    let next = 0;
    const send = async (): Promise<void> => {
      while (next < n) {
        const from = next;
        const count = Math.min(BULK, n - from);
        next += count;
        await client.runJobBulk(
          job.id,
          Array.from({ length: count }, (_, i) => ({
            instanceParams: JSON.stringify({ customer: `c${(from + i) % keys}` }),
          })),
        );
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, send));
    let succeeded = 0;
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      succeeded = (await client.listInstances({ jobId: job.id, status: 'SUCCEEDED', size: 1 })).total;
      if (succeeded >= n) break;
      ctx.env.assertAlive();
      await sleep(50);
    }
    const ms = Date.now() - started;
    return {
      n,
      succeeded,
      ms,
      perSecond: succeeded < n ? 0 : Math.round(n / (ms / 1000)),
      cpuPerThousand: perThousand(cpu.spent(), n),
    };
  } finally {
    await client.deleteJob(job.id).catch(() => undefined);
  }
}

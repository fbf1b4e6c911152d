/**
 * `npm run bench [-- scenario... --flags]`: Jobnest against the baseline a Node user would pick, on real processes
 * and the machine's Redis and MariaDB. Prints the table on stdout and writes bench/results/<ISO time>.json.
 * See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs, usage, UsageError, type BenchOptions } from './cli-args';
import { BenchEnvironment, mergeNeeds, MYSQL_ROOT_URL, type PhaseProfile } from './env/bench-environment';
import { machineInfo, type MachineInfo } from './machine-info';
import { REPO_ROOT, RESULTS_DIR } from './paths';
import { meets, ratio, renderLegend, renderMachine, renderProfiles, renderTable, type ScenarioOutcome } from './report';
import type { Scenario, ScenarioContext } from './scenario';
import { SCENARIOS } from './scenarios';
import { CpuMeter } from './env/cpu-meter';

/** Above this share of the machine used by unrelated processes, the run warns that its figures are skewed. */
const BUSY_WARNING_PERCENT = 10;

/** Set on Ctrl-C / SIGTERM: no more scenarios, failures caused by the shutdown are not reported. */
let interrupted = false;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function runScenario(
  scenario: Scenario,
  env: BenchEnvironment,
  options: BenchOptions,
  earlier: readonly ScenarioOutcome[],
): Promise<ScenarioOutcome> {
  const profiles: PhaseProfile[] = [];
  const ctx: ScenarioContext = {
    env,
    flag: (name) => {
      const v = options.flags[name];
      if (v === undefined) throw new Error(`scenario ${scenario.name} reads --${name}, which it does not declare`);
      return v;
    },
    log: (m) => log(m),
    jobnestPhase: async (label, runs, body) => {
      const { value, profile } = await env.profiled(label, body);
      if (profile) profiles.push({ ...profile, runs });
      return value;
    },
    earlier: (name) => {
      const o = earlier.find((e) => e.scenario.name === name);
      return o?.status === 'ok' ? { rows: o.rows, details: o.details } : undefined;
    },
  };
  const started = Date.now();
  const meter = new CpuMeter(() => env.pids());
  meter.start();
  try {
    const result = await scenario.run(ctx);
    const cpu = meter.stop();
    if (cpu && cpu.others >= BUSY_WARNING_PERCENT) {
      log(
        `warning: other processes used ${cpu.others}% of the machine's CPU during ${scenario.name}; its figures are skewed`,
      );
    }
    return {
      scenario,
      status: 'ok',
      rows: result.rows,
      details: result.details,
      profiles,
      seconds: (Date.now() - started) / 1000,
      cpu,
    };
  } catch (err) {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (!interrupted) log(`scenario ${scenario.name} failed: ${error}`);
    return {
      scenario,
      status: 'failed',
      error: err instanceof Error ? err.message : String(err),
      profiles,
      seconds: (Date.now() - started) / 1000,
    };
  }
}

function writeJson(file: string, data: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2), SCENARIOS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${usage(SCENARIOS)}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage(SCENARIOS)}\n`);
    return 0;
  }

  const runnable = options.scenarios.filter((s) => !s.notRunnableYet);
  const skipped: ScenarioOutcome[] = options.scenarios
    .filter((s) => s.notRunnableYet)
    .map((s) => ({ scenario: s, status: 'skipped', reason: `not runnable yet: ${s.notRunnableYet}` }));
  if (runnable.length === 0) {
    for (const o of skipped)
      if (o.status === 'skipped')
        process.stdout.write(`Scenario ${o.scenario.id} ${o.scenario.name} is ${o.reason}.\n`);
    process.stdout.write(`\n${renderTable(skipped)}\n`);
    return 2;
  }

  const startedAt = new Date();
  const profileDir = options.profile ? join(tmpdir(), `jobnest-bench-profiles-${process.pid}`) : undefined;
  const env = new BenchEnvironment({ verbose: options.verbose, profileDir, log });

  // Ctrl-C / kill: stop the processes and remove the database and keys before leaving; a second signal just leaves.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      log(
        `${signal} again: leaving without cleaning up; drop the database ${env.database} and the Redis keys ${env.prefix}:* by hand`,
      );
      process.exit(130);
    }
    interrupted = true;
    log(`${signal}: stopping the processes and cleaning up...`);
    env
      .close()
      .catch((err: unknown) => log(String(err)))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const outcomes: ScenarioOutcome[] = [];
  let machine: MachineInfo | undefined;
  let setupError: string | undefined;
  try {
    await env.start(mergeNeeds(runnable.map((s) => s.processes ?? {})));
    machine = await machineInfo(env.redis, MYSQL_ROOT_URL);
    for (const scenario of options.scenarios) {
      if (interrupted) break;
      if (scenario.notRunnableYet) {
        outcomes.push(skipped.find((o) => o.scenario === scenario)!);
        log(`scenario ${scenario.id} ${scenario.name}: skipped, not runnable yet: ${scenario.notRunnableYet}`);
        continue;
      }
      log(`scenario ${scenario.id} ${scenario.name}: ${scenario.title}`);
      outcomes.push(await runScenario(scenario, env, options, outcomes));
    }
  } catch (err) {
    setupError = err instanceof Error ? err.message : String(err);
    log(`setup failed: ${setupError}`);
  } finally {
    if (!interrupted) {
      try {
        await env.close();
      } catch (err) {
        log(String(err));
      }
    }
  }
  if (interrupted) {
    // The signal handler's cleanup is under way: wait for it rather than exit in the middle of it.
    await env.close().catch(() => undefined);
    return 130;
  }

  const finishedAt = new Date();
  if (machine) process.stdout.write(`\n${renderMachine(machine)}\n\n`);
  if (outcomes.length > 0) process.stdout.write(`${renderTable(outcomes)}\n\n${renderLegend(outcomes)}\n`);
  if (options.profile) process.stdout.write(`${renderProfiles(outcomes)}\n`);

  const missed = outcomes.flatMap((o) =>
    o.status === 'ok'
      ? o.rows
          .filter((r) => meets(r.jobnest, r.target) === false)
          .map(
            (r) =>
              `${o.scenario.name}: ${r.metric} = ${r.jobnest} ${r.unit} (target ${r.target!.op} ${r.target!.value})`,
          )
      : [],
  );
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  writeJson(file, {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    argv: process.argv.slice(2),
    options: {
      quick: options.quick,
      profile: options.profile,
      flags: options.flags,
      explicitFlags: options.explicitFlags,
    },
    machine: machine ? { ...machine, loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100) } : undefined,
    services: { redis: env.redisUrl, mysql: MYSQL_ROOT_URL },
    namespace: { database: env.database, redisPrefix: env.prefix, removed: true },
    setupError,
    targetsMissed: missed,
    scenarios: outcomes.map((o) => ({
      id: o.scenario.id,
      name: o.scenario.name,
      title: o.scenario.title,
      baseline: o.scenario.baseline,
      status: o.status,
      ...(o.status === 'skipped' ? { reason: o.reason } : {}),
      ...(o.status === 'failed' ? { error: o.error, seconds: o.seconds } : {}),
      ...(o.status === 'ok'
        ? {
            seconds: o.seconds,
            cpuShare: o.cpu ?? null,
            rows: o.rows.map((r) => ({ ...r, ratio: ratio(r) ?? null, met: meets(r.jobnest, r.target) ?? null })),
            details: o.details,
          }
        : {}),
      ...(o.status !== 'skipped' && o.profiles.length > 0 ? { profiles: o.profiles } : {}),
    })),
    profileDir,
  });
  process.stdout.write(`\nResults: ${relative(REPO_ROOT, file)}${profileDir ? `; CPU profiles: ${profileDir}` : ''}\n`);
  if (missed.length > 0) process.stdout.write(`Targets missed: ${missed.length}\n`);

  if (setupError || outcomes.some((o) => o.status === 'failed')) return 1;
  if (options.check && missed.length > 0) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

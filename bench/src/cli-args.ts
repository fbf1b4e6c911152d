import type { FlagSpec, Scenario } from './scenario';

export interface BenchOptions {
  /** Selected scenarios in tracker order (all when none was named). */
  scenarios: Scenario[];
  quick: boolean;
  profile: boolean;
  check: boolean;
  verbose: boolean;
  help: boolean;
  /** Every size flag, resolved. */
  flags: Record<string, number>;
  /** Size flags the user passed explicitly. */
  explicitFlags: string[];
}

export class UsageError extends Error {}

/** Every size flag of every scenario; two scenarios declaring one name must agree on its defaults. */
export function allFlags(scenarios: readonly Scenario[]): FlagSpec[] {
  const byName = new Map<string, FlagSpec>();
  for (const s of scenarios) {
    for (const f of s.flags) {
      const seen = byName.get(f.name);
      if (seen && (seen.default !== f.default || seen.quick !== f.quick)) {
        throw new Error(`flag --${f.name} is declared twice with different defaults (scenario ${s.name})`);
      }
      byName.set(f.name, f);
    }
  }
  return [...byName.values()];
}

export function parseArgs(argv: readonly string[], registry: readonly Scenario[]): BenchOptions {
  const specs = allFlags(registry);
  const given = new Map<string, number>();
  const names: string[] = [];
  const opts = { quick: false, profile: false, check: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      names.push(arg);
      continue;
    }
    const [rawName, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    switch (rawName) {
      case 'quick':
      case 'profile':
      case 'check':
      case 'verbose':
      case 'help':
        opts[rawName] = true;
        continue;
    }
    const spec = specs.find((f) => f.name === rawName);
    if (!spec) throw new UsageError(`unknown flag --${rawName}`);
    const text = inline ?? argv[++i];
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < 0) {
      throw new UsageError(
        `--${spec.name} needs a whole number >= 0 (got ${text === undefined ? 'nothing' : `'${text}'`})`,
      );
    }
    given.set(spec.name, value);
  }
  const scenarios: Scenario[] = [];
  for (const name of names) {
    const s = registry.find((r) => r.name === name || String(r.id) === name);
    if (!s)
      throw new UsageError(
        `unknown scenario '${name}' (scenarios: ${registry.map((r) => `${r.id} ${r.name}`).join(', ')})`,
      );
    if (!scenarios.includes(s)) scenarios.push(s);
  }
  const flags: Record<string, number> = {};
  for (const f of specs) flags[f.name] = given.get(f.name) ?? (opts.quick ? f.quick : f.default);
  return {
    ...opts,
    scenarios: scenarios.length > 0 ? [...scenarios].sort((a, b) => a.id - b.id) : [...registry],
    flags,
    explicitFlags: [...given.keys()],
  };
}

export function usage(registry: readonly Scenario[]): string {
  const lines = [
    'Usage: npm run bench [-- [scenario...] [flags]]',
    '',
    'Runs Jobnest (real server + worker processes) and its BullMQ baseline on the same Redis and MariaDB, and prints',
    'them side by side. Without a scenario every scenario runs. A scenario is named by name or number.',
    '',
    'Scenarios:',
    ...registry.map(
      (s) =>
        `  ${String(s.id).padEnd(2)} ${s.name.padEnd(16)} ${s.title}${s.notRunnableYet ? `  [not runnable yet: ${s.notRunnableYet}]` : ''}`,
    ),
    '',
    'Flags:',
    '  --quick              small sizes (the whole run takes under a minute)',
    '  --profile            CPU-profile the server and Jobnest workers during the Jobnest phases; Redis and MariaDB counters',
    '  --check              exit with code 1 when a target is missed',
    '  --verbose            echo the output of the server and worker processes',
    '  --help               this text',
    ...allFlags(registry).map(
      (f) => `  --${`${f.name} N`.padEnd(19)}${f.description} (default ${f.default}, --quick ${f.quick})`,
    ),
  ];
  return lines.join('\n');
}

import type { PhaseProfile } from './env/bench-environment';
import type { CpuShare } from './env/cpu-meter';
import type { MachineInfo } from './machine-info';
import type { MetricRow, Scenario, Target } from './scenario';

export type ScenarioOutcome =
  | {
      scenario: Scenario;
      status: 'ok';
      rows: MetricRow[];
      details: Record<string, unknown>;
      profiles: PhaseProfile[];
      seconds: number;
      cpu?: CpuShare;
    }
  | { scenario: Scenario; status: 'skipped'; reason: string }
  | { scenario: Scenario; status: 'failed'; error: string; profiles: PhaseProfile[]; seconds: number };

export function meets(value: number | null, target: Target | undefined): boolean | undefined {
  if (!target || value === null || Number.isNaN(value)) return undefined;
  return target.op === '<=' ? value <= target.value : value >= target.value;
}

/** Jobnest / baseline; undefined when either is missing or the baseline is 0. */
export function ratio(row: MetricRow): number | undefined {
  if (row.jobnest === null || row.baseline === null || Number.isNaN(row.jobnest) || Number.isNaN(row.baseline))
    return undefined;
  if (row.baseline === 0) return undefined;
  return row.jobnest / row.baseline;
}

function fmt(v: number | null, unit: string): string {
  if (v === null || Number.isNaN(v)) return '-';
  if (unit !== 'ms') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1);
  const a = Math.abs(v);
  const digits = a < 10 ? 2 : a < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ms`;
}

function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '-';
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

/** The side-by-side table (plain text, aligned columns). */
export function renderTable(outcomes: readonly ScenarioOutcome[]): string {
  const header = ['scenario', 'metric', 'Jobnest', 'baseline', 'ratio J/B', 'target', 'met?'];
  const lines: string[][] = [];
  const spans: string[] = [];
  for (const o of outcomes) {
    const name = `${o.scenario.id} ${o.scenario.name}`;
    if (o.status === 'skipped') {
      spans.push(`${name}: skipped, ${o.reason}`);
      lines.push([name, `skipped: ${o.reason}`, '', '', '', '', '']);
      continue;
    }
    if (o.status === 'failed') {
      lines.push([name, `FAILED: ${o.error.split('\n')[0]!.slice(0, 120)}`, '', '', '', '', '']);
      continue;
    }
    o.rows.forEach((row, i) => {
      const met = meets(row.jobnest, row.target);
      lines.push([
        i === 0 ? name : '',
        row.metric,
        fmt(row.jobnest, row.unit),
        fmt(row.baseline, row.unit),
        fmtRatio(ratio(row)),
        row.target ? `${row.target.op} ${fmt(row.target.value, row.unit)}` : '',
        met === undefined ? '' : met ? 'yes' : 'NO',
      ]);
    });
  }
  // Long texts of skipped/failed lines do not widen the metric column: they overflow it.
  const fits = lines.filter((l) => l[2] !== '' || l[3] !== '');
  const widths = header.map((h, c) => Math.max(h.length, ...(c === 0 ? lines : fits).map((l) => l[c]!.length)));
  const right = new Set([2, 3, 4]);
  const render = (cells: string[]): string =>
    cells
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(header), rule, ...lines.map(render)].join('\n');
}

export function renderLegend(outcomes: readonly ScenarioOutcome[]): string {
  const out: string[] = ['Baselines:'];
  for (const o of outcomes) out.push(`  ${o.scenario.id} ${o.scenario.name}: ${o.scenario.baseline}`);
  const load = outcomes.flatMap((o) =>
    o.status === 'ok' && o.cpu
      ? [
          `  ${o.scenario.name} (${o.seconds.toFixed(0)} s): bench processes ${o.cpu.bench}%, Redis + MariaDB ${o.cpu.services}%, other processes ${o.cpu.others}%${o.cpu.others >= 10 ? '  <- busy machine: figures skewed' : ''}`,
        ]
      : [],
  );
  if (load.length > 0) out.push('CPU use during each scenario (% of all cores):', ...load);
  const notes = outcomes.flatMap((o) =>
    o.status === 'ok' ? o.rows.filter((r) => r.note).map((r) => `  ${o.scenario.name} / ${r.metric}: ${r.note}`) : [],
  );
  if (notes.length > 0) out.push('Notes:', ...notes);
  out.push(
    'ratio J/B = Jobnest / baseline: for latencies above 1 means Jobnest is slower; "met?" checks the Jobnest figure.',
  );
  return out.join('\n');
}

export function renderMachine(m: MachineInfo): string {
  return (
    `Machine: ${m.cores} x ${m.cpuModel}, ${m.memoryMb} MB, ${m.os}; Node ${m.node}, Redis ${m.redis}, MariaDB ${m.mariadb}; ` +
    `load average at start ${m.loadAverageAtStart.join(' ')}\n` +
    `Packages: ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; Jobnest ${m.jobnest.commit}${m.jobnest.uncommittedChanges ? ' (+ uncommitted changes)' : ''}`
  );
}

/** Where the time went in each profiled Jobnest phase. */
export function renderProfiles(outcomes: readonly ScenarioOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    if (o.status === 'skipped') continue;
    for (const p of o.profiles) {
      const runs = p.runs;
      out.push(
        '',
        `== profile of ${o.scenario.name} / ${p.label} (${(p.wallMs / 1000).toFixed(1)} s${runs ? `, ${runs} runs` : ''})`,
      );
      for (const cpu of p.cpuProfiles) {
        out.push(`-- ${cpu.file}: busy ${cpu.busyPercent}% of ${cpu.durationMs} ms`);
        out.push('   self time by area:');
        for (const h of cpu.selfByArea.slice(0, 8)) out.push(`     ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
        out.push('   self time by function:');
        for (const h of cpu.selfByFunction.slice(0, 12))
          out.push(`     ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
        out.push('   by entry point (async continuation or I/O callback, with what it called):');
        for (const h of cpu.byEntry.slice(0, 12)) out.push(`     ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
        out.push('   inclusive time, Jobnest functions (synchronous part):');
        for (const h of cpu.inclusiveJobnest.slice(0, 12))
          out.push(`     ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
      }
      out.push('-- Redis commands meanwhile (whole Redis; calls, usec):');
      for (const c of p.redisCommands.slice(0, 12)) {
        out.push(
          `     ${c.command.padEnd(14)} ${String(c.calls).padStart(8)} calls${runs ? ` (${(c.calls / runs).toFixed(1)}/run)` : ''}  ${String(c.usec).padStart(9)} us`,
        );
      }
      out.push(
        `-- MariaDB counters meanwhile (whole server): ${Object.entries(p.mysql)
          .map(([k, v]) => `${k}=${v}${runs ? ` (${(v / runs).toFixed(1)}/run)` : ''}`)
          .join(', ')}`,
      );
    }
  }
  return out.join('\n');
}

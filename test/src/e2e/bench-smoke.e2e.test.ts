import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { Redis } from 'ioredis';

const RUN_BENCH = join(__dirname, '..', '..', '..', 'bench', 'dist', 'run-bench.js');
const MYSQL_URL = process.env.JOBNEST_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.JOBNEST_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Sizes small enough for CI: the point is that every scenario still runs end to end, not its figures. */
const TINY = [
  '--mr-subtasks',
  '500',
  '--scale-subtasks',
  '1000',
  '--runs',
  '10',
  '--warmup',
  '2',
  '--subtask-runs',
  '2',
  '--fires',
  '5',
  '--cron-fires',
  '2',
  '--wf-chains',
  '2',
  '--wf-branches',
  '10',
  '--wf-fan-runs',
  '1',
  '--throughput-runs',
  '200',
  '--clients',
  '4',
  '--bulk-size',
  '100',
  '--bulk-clients',
  '2',
  '--cron-jobs',
  '3',
  '--cron-seconds',
  '2',
  '--cluster-subtasks',
  '2000',
  '--cluster-runs',
  '5',
  '--flow-runs',
  '5',
  '--flow-burst',
  '200',
  '--flow-keys',
  '50',
];

interface BenchRow {
  metric: string;
  jobnest: number | null;
  baseline: number | null;
}

interface BenchResults {
  namespace: { database: string; redisPrefix: string; removed: boolean };
  setupError?: string;
  scenarios: { name: string; status: string; error?: string; rows?: BenchRow[]; details?: Record<string, unknown> }[];
}

function runBench(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN_BENCH, ...TINY], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** `npm run bench` is not part of the tests (timings are noisy); this tiny run keeps it from rotting. */
describe('benchmark smoke run', () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'jobnest-bench-smoke-'));
  after(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('runs every scenario at tiny sizes, writes its JSON and removes its database and keys', async () => {
    const { code, output } = await runBench({ JOBNEST_BENCH_RESULTS_DIR: resultsDir });
    assert.equal(code, 0, output.slice(-4000));
    const files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1, `one results file (${files.join(', ')})`);
    const results = JSON.parse(readFileSync(join(resultsDir, files[0]!), 'utf8')) as BenchResults;
    assert.equal(results.setupError, undefined);
    assert.deepEqual(
      results.scenarios.map((s) => [s.name, s.status, s.error ?? '']),
      [
        'mapreduce',
        'scale',
        'dispatch',
        'subtask-latency',
        'timers',
        'workflow',
        'throughput',
        'cluster',
        'flow-control',
      ].map((name) => [name, 'ok', '']),
    );
    for (const s of results.scenarios) {
      const first = s.rows?.[0];
      // A figure, not its value: a start latency counted from the answered request can be a little below 0 when
      // the processor starts before the HTTP answer is read (a run is dispatched with its INSERT).
      assert.ok(
        first && typeof first.jobnest === 'number' && Number.isFinite(first.jobnest),
        `${s.name}: a Jobnest figure (${JSON.stringify(first)})`,
      );
      if (s.name !== 'scale') assert.equal(typeof first.baseline, 'number', `${s.name}: a baseline figure`);
    }
    // The CPU each burst cost, both sides: what the throughput ratios come from on a machine whose cores are busy.
    const cpuRows = results.scenarios
      .filter((s) => s.name === 'throughput' || s.name === 'flow-control')
      .flatMap((s) => (s.rows ?? []).filter((r) => r.metric.includes('CPU ms per 1,000 runs')));
    assert.equal(cpuRows.length, 3, JSON.stringify(cpuRows));
    for (const row of cpuRows) {
      assert.ok((row.jobnest ?? 0) > 0 && (row.baseline ?? 0) > 0, `${row.metric}: ${JSON.stringify(row)}`);
    }
    // Each side's own processes are counted: the Jobnest server and workers, the BullMQ Worker processes.
    const details = (name: string): Record<string, unknown> => results.scenarios.find((s) => s.name === name)!.details!;
    const byRole = (cost: unknown): Record<string, number> => (cost as { byRole: Record<string, number> }).byRole;
    const burst = details('throughput').apiBurst as Record<string, { cpuPerThousand: unknown }>;
    const jobnestBurst = byRole(burst.jobnest!.cpuPerThousand);
    assert.ok(jobnestBurst.server! > 0 && jobnestBurst.workers! > 0, JSON.stringify(jobnestBurst));
    assert.ok(byRole(burst.baseline!.cpuPerThousand).baseline! > 0, JSON.stringify(burst.baseline));
    const keyedRound = (details('flow-control').limitedRounds as { cpuPerThousand: unknown }[])[0]!;
    assert.ok(byRole(keyedRound.cpuPerThousand).server! > 0, JSON.stringify(keyedRound.cpuPerThousand));
    assert.match(output, /scenario\s+metric\s+Jobnest\s+baseline/, 'the table on stdout');

    assert.equal(results.namespace.removed, true);
    const db = await createConnection(MYSQL_URL);
    try {
      for (const database of [results.namespace.database, `${results.namespace.database}_cluster`]) {
        const [rows] = await db.query('SHOW DATABASES LIKE ?', [database]);
        assert.deepEqual(rows, [], `database ${database} dropped`);
      }
    } finally {
      await db.end();
    }
    const redis = new Redis(REDIS_URL);
    try {
      const left: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${results.namespace.redisPrefix}:*`, 'COUNT', 10_000);
        left.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      assert.deepEqual(left, [], `keys ${results.namespace.redisPrefix}:* deleted`);
    } finally {
      redis.disconnect();
    }
  });
});

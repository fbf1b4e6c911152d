import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuCost, describeCpu, perThousand } from '../../../bench/dist/env/cpu-cost';

/** Keeps this process busy until it has used `ms` more CPU time (as Node counts it); answers what it used. */
function burn(ms: number): number {
  const start = process.cpuUsage();
  const used = (): number => {
    const { user, system } = process.cpuUsage(start);
    return (user + system) / 1000;
  };
  let x = 0;
  while (used() < ms) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  return used();
}

describe('bench CPU cost per role', () => {
  it('counts the CPU a role spent between start and spent, and nothing for roles without processes', () => {
    const cost = CpuCost.start(() => ({ server: [], workers: [], baseline: [], bench: [process.pid] }));
    const burnt = burn(300);
    const spent = cost.spent();
    // /proc counts in 10 ms ticks; the readings themselves and the GC's threads add a little.
    assert.ok(
      Math.abs(spent.byRole.bench - burnt) <= 50,
      `bench spent ${spent.byRole.bench} ms, Node counted ${burnt}`,
    );
    assert.equal(spent.byRole.server, 0);
    assert.equal(spent.byRole.workers, 0);
    assert.equal(spent.byRole.baseline, 0);
    const sum = Object.values(spent.byRole).reduce((a, b) => a + b, 0);
    assert.equal(spent.totalMs, sum);
  });

  it('scales to 1,000 runs and names the roles that spent anything', () => {
    const spent = {
      totalMs: 900,
      byRole: { server: 500, workers: 250, mariadb: 100, redis: 50, baseline: 0, bench: 0 },
    };
    const per = perThousand(spent, 2_000);
    assert.deepEqual(per, {
      totalMs: 450,
      byRole: { server: 250, workers: 125, mariadb: 50, redis: 25, baseline: 0, bench: 0 },
    });
    assert.equal(describeCpu(per), 'server 250, workers 125, mariadb 50, redis 25');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuCost, describeCpu, perThousand } from '../../../bench/dist/env/cpu-cost';

/** Keeps this process's CPU busy for `ms` of wall time. */
function burn(ms: number): void {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
}

describe('bench CPU cost per role', () => {
  it('counts the CPU a role spent between start and spent, and nothing for roles without processes', () => {
    const cost = CpuCost.start(() => ({ server: [], workers: [], baseline: [], bench: [process.pid] }));
    burn(300);
    const spent = cost.spent();
    // /proc counts in 10 ms ticks and a busy machine may preempt the loop: most of 300 ms, never more than 2 cores.
    assert.ok(spent.byRole.bench >= 150, `bench spent ${spent.byRole.bench} ms`);
    assert.ok(spent.byRole.bench <= 700, `bench spent ${spent.byRole.bench} ms`);
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

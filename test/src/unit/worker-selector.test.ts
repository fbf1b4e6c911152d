import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchStrategy, healthScore, selectWorkers, type PlacementRules, type WorkerState } from '@jobnest/common';

function worker(
  id: string,
  over: Partial<WorkerState> = {},
  metrics: Partial<WorkerState['metrics']> = {},
): WorkerState {
  return {
    workerId: id,
    appId: 1,
    appName: 'a',
    host: 'h',
    pid: 1,
    tags: [],
    processors: ['p'],
    runningInstances: 0,
    maxConcurrentInstances: 4,
    features: [],
    lastHeartbeat: Date.now(),
    ...over,
    metrics: { cpuCores: 2, cpuLoad: 0.5, memoryTotalMb: 1000, memoryFreeMb: 500, processRssMb: 100, ...metrics },
  };
}

const rules = (over: Partial<PlacementRules> = {}): PlacementRules => ({
  processor: 'p',
  dispatchStrategy: DispatchStrategy.HEALTH_FIRST,
  designatedWorkers: [],
  minCpuCores: 0,
  minMemoryMb: 0,
  maxWorkerCount: 0,
  ...over,
});

describe('selectWorkers', () => {
  it('says why when the app has no live worker', () => {
    const s = selectWorkers([], rules());
    assert.deepEqual(s.workers, []);
    assert.match(s.reason ?? '', /no live worker/);
  });

  it('orders by health: each of idle CPU, free memory and free slots counts on its own', () => {
    const order = (ws: WorkerState[]): string[] => selectWorkers(ws, rules()).workers.map((w) => w.workerId);
    // Workers equal but for one factor, named so that the id tie-break would give the opposite order.
    assert.deepEqual(order([worker('a-busy-cpu', {}, { cpuLoad: 0.9 }), worker('b-idle-cpu', {}, { cpuLoad: 0.1 })]), [
      'b-idle-cpu',
      'a-busy-cpu',
    ]);
    assert.deepEqual(
      order([worker('a-low-mem', {}, { memoryFreeMb: 100 }), worker('b-free-mem', {}, { memoryFreeMb: 900 })]),
      ['b-free-mem', 'a-low-mem'],
    );
    assert.deepEqual(order([worker('a-full', { runningInstances: 3 }), worker('b-free', { runningInstances: 0 })]), [
      'b-free',
      'a-full',
    ]);
  });

  it('weighs the factors together: a small lead in one loses to a large lead in another', () => {
    // cpu: 0.5 vs 0.4 idle (+0.1 for x); slots: 1/4 vs 4/4 free (+0.75 for y).
    const x = worker('x', { runningInstances: 3 }, { cpuLoad: 0.5 });
    const y = worker('y', { runningInstances: 0 }, { cpuLoad: 0.6 });
    assert.deepEqual(
      selectWorkers([x, y], rules()).workers.map((w) => w.workerId),
      ['y', 'x'],
    );
    assert.ok(
      Math.abs(healthScore(y) - healthScore(x) - 0.65) < 1e-9,
      'score = idle CPU + free memory share + free slots',
    );
    const equal = [worker('b'), worker('a')];
    assert.deepEqual(
      selectWorkers(equal, rules()).workers.map((w) => w.workerId),
      ['a', 'b'],
      'equal health falls back to the worker id, so the order is stable',
    );
  });

  it('keeps only designated ids or tags with SPECIFY', () => {
    const ws = [worker('w1'), worker('w2', { tags: ['gpu'] }), worker('w3')];
    const s = selectWorkers(
      ws,
      rules({ dispatchStrategy: DispatchStrategy.SPECIFY, designatedWorkers: ['w3', 'gpu'] }),
    );
    assert.deepEqual(s.workers.map((w) => w.workerId).sort(), ['w2', 'w3']);
    const none = selectWorkers(ws, rules({ dispatchStrategy: DispatchStrategy.SPECIFY, designatedWorkers: ['x'] }));
    assert.match(none.reason ?? '', /designatedWorkers \[x\]/);
  });

  it('applies CPU, memory and overload filters with a reason naming the filter', () => {
    const ws = [
      worker('small', {}, { cpuCores: 1, memoryFreeMb: 100 }),
      worker('big', {}, { cpuCores: 8, memoryFreeMb: 4000 }),
    ];
    assert.deepEqual(
      selectWorkers(ws, rules({ minCpuCores: 4 })).workers.map((w) => w.workerId),
      ['big'],
    );
    assert.match(selectWorkers(ws, rules({ minCpuCores: 16 })).reason ?? '', /16 CPU cores/);
    assert.match(selectWorkers(ws, rules({ minMemoryMb: 8000 })).reason ?? '', /8000 MB free memory/);
    const full = [worker('f', { runningInstances: 4, maxConcurrentInstances: 4 })];
    assert.match(selectWorkers(full, rules()).reason ?? '', /overloaded/);
    assert.equal(
      selectWorkers(full, rules(), Math.random, { ignoreOverload: true }).workers.length,
      1,
      'subtasks ignore instance overload',
    );
  });

  it('prefers workers that registered the processor, but keeps others when none did', () => {
    const ws = [
      worker('has', { processors: ['p'] }, { cpuLoad: 1 }),
      worker('lacks', { processors: ['q'] }, { cpuLoad: 0 }),
    ];
    assert.deepEqual(
      selectWorkers(ws, rules()).workers.map((w) => w.workerId),
      ['has'],
    );
    assert.deepEqual(selectWorkers(ws, rules({ processor: 'zzz' })).workers.length, 2);
  });

  it('keeps the healthiest maxWorkerCount workers', () => {
    const ws = [
      worker('a', {}, { cpuLoad: 0.9 }),
      worker('b', {}, { cpuLoad: 0.1 }),
      worker('c', {}, { cpuLoad: 0.5 }),
      worker('d', {}, { cpuLoad: 0.3 }),
    ];
    assert.deepEqual(
      selectWorkers(ws, rules({ maxWorkerCount: 2 })).workers.map((w) => w.workerId),
      ['b', 'd'],
    );
    assert.equal(selectWorkers(ws, rules({ maxWorkerCount: 0 })).workers.length, 4, '0 means no limit');
  });

  it('with RANDOM, returns a permutation of the eligible workers, each of them first about as often', () => {
    const ws = [worker('a', {}, { cpuLoad: 0 }), worker('b', {}, { cpuLoad: 0.5 }), worker('c', {}, { cpuLoad: 1 })];
    const firsts = new Map<string, number>();
    let seed = 1;
    const random = (): number => (seed = (seed * 9301 + 49297) % 233280) / 233280;
    for (let i = 0; i < 3000; i++) {
      const picked = selectWorkers(ws, rules({ dispatchStrategy: DispatchStrategy.RANDOM }), random).workers;
      assert.deepEqual(picked.map((w) => w.workerId).sort(), ['a', 'b', 'c']);
      firsts.set(picked[0]!.workerId, (firsts.get(picked[0]!.workerId) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c']) {
      const n = firsts.get(id) ?? 0;
      assert.ok(n > 800 && n < 1200, `${id} first ${n} times of 3000 (health must not bias RANDOM)`);
    }
  });
});

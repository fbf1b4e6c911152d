import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DispatchStrategy, selectWorkers, type PlacementRules, type WorkerState } from '@jobnest/common';

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

  it('orders by health: idle CPU, free memory and free slots', () => {
    const busy = worker('busy', { runningInstances: 3 }, { cpuLoad: 0.9 });
    const idle = worker('idle', {}, { cpuLoad: 0.1, memoryFreeMb: 900 });
    assert.deepEqual(
      selectWorkers([busy, idle], rules()).workers.map((w) => w.workerId),
      ['idle', 'busy'],
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

  it('truncates to maxWorkerCount and shuffles with RANDOM', () => {
    const ws = [worker('a'), worker('b'), worker('c')];
    assert.equal(selectWorkers(ws, rules({ maxWorkerCount: 2 })).workers.length, 2);
    const first = new Set<string>();
    let seed = 0;
    for (let i = 0; i < 30; i++) {
      const random = (): number => (seed = (seed * 9301 + 49297) % 233280) / 233280;
      first.add(selectWorkers(ws, rules({ dispatchStrategy: DispatchStrategy.RANDOM }), random).workers[0]!.workerId);
    }
    assert.ok(first.size > 1, 'RANDOM should not always pick the same worker');
  });
});

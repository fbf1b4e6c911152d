import { DispatchStrategy, ExecuteType, type RunInstanceCommand, type WorkerState } from '@jobnest/common';

/** A live worker of the app running processor `p`. */
export function worker(workerId: string): WorkerState {
  return {
    workerId,
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
    metrics: { cpuCores: 2, cpuLoad: 0.1, memoryTotalMb: 1000, memoryFreeMb: 500, processRssMb: 100 },
  };
}

/** The worker's heartbeat view, with workers that can be added and killed. */
export class FakeDirectory {
  private readonly workers = new Map<string, WorkerState>();

  constructor(...workerIds: string[]) {
    for (const id of workerIds) this.add(id);
  }

  add(workerId: string): void {
    this.workers.set(workerId, worker(workerId));
  }

  kill(workerId: string): void {
    this.workers.delete(workerId);
  }

  liveWorkers(): WorkerState[] {
    return [...this.workers.values()];
  }

  isAlive(workerId: string): boolean {
    return this.workers.has(workerId);
  }
}

/** A RunInstance of processor `p` for instance 7. */
export function runCommand(over: Partial<RunInstanceCommand> = {}): RunInstanceCommand {
  return {
    kind: 'RunInstance',
    instanceId: 7,
    jobId: 3,
    appId: 1,
    processor: 'p',
    executeType: ExecuteType.MAP_REDUCE,
    jobParams: null,
    instanceParams: null,
    runningTimes: 1,
    taskRetries: 0,
    concurrency: 5,
    instanceTimeLimitMs: 0,
    dispatchedAt: Date.now(),
    placement: {
      dispatchStrategy: DispatchStrategy.HEALTH_FIRST,
      designatedWorkers: [],
      minCpuCores: 0,
      minMemoryMb: 0,
      maxWorkerCount: 0,
    },
    workerTimeoutMs: 15_000,
    resume: false,
    notBefore: 0,
    ...over,
  };
}

/** A ctx.logger sink that keeps the lines. */
export class FakeLogSink {
  readonly workerId = 'tracker';
  readonly lines: string[] = [];

  push(line: { message: string }): void {
    this.lines.push(line.message);
  }
}

import { type RunInstanceCommand, selectWorkers, type WorkerState } from '@jobnest/common';
import type { WorkerDirectory } from '../cluster/worker-directory';

/** What a run needs of the worker's heartbeat view. */
export type FleetDirectory = Pick<WorkerDirectory, 'liveWorkers' | 'isAlive'>;

/** The workers one run may send subtasks to, seen through the worker's heartbeat view with the run's timeout. */
export class RunFleet {
  constructor(
    private readonly directory: FleetDirectory,
    private readonly command: RunInstanceCommand,
  ) {}

  /** Live workers the job's placement allows now (their load is ignored: the windows per worker pace them). */
  eligible(): WorkerState[] {
    return selectWorkers(this.live(), { processor: this.command.processor, ...this.command.placement }, Math.random, {
      ignoreOverload: true,
    }).workers;
  }

  /** Every live worker of the app. */
  live(): WorkerState[] {
    return this.directory.liveWorkers(this.command.workerTimeoutMs);
  }

  isAlive(workerId: string): boolean {
    return this.directory.isAlive(workerId, this.command.workerTimeoutMs);
  }
}

import type { ExecuteType, InstanceStatus, TaskCounts } from '@jobnest/common';
import type { InstanceRun } from './instance-run';

/** What an executor decided; STOPPED and time-limit failures are decided by the InstanceTracker itself. */
export interface InstanceOutcome {
  status: InstanceStatus.SUCCEEDED | InstanceStatus.FAILED;
  result: string | null;
  /** Final subtask counts of a distributed run. */
  tasks?: TaskCounts;
}

/**
 * Runs one instance of one execute type on behalf of the InstanceTracker (StandaloneExecutor; DistributedExecutor
 * for MAP, MAP_REDUCE and BROADCAST). It honours `run.signal`, but the tracker does not wait for it once aborted.
 */
export interface InstanceExecutor {
  execute(run: InstanceRun): Promise<InstanceOutcome>;
}

/** The executor of each execute type this worker runs; an execute type without one is refused. */
export type InstanceExecutors = Partial<Record<ExecuteType, InstanceExecutor>>;

/** Injection token of the InstanceExecutors (wired by JobnestWorkerModule, so execution/ never imports distributed/). */
export const INSTANCE_EXECUTORS = Symbol('JOBNEST_INSTANCE_EXECUTORS');

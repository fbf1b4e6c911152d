import type { WorkerState } from '@jobnest/common';
import type { TaskStore, WaitingTask } from '@jobnest/persistence';
import type { InstanceOutcome } from '../execution/instance-executor';
import type { ReadyQueue } from './ready-queue';
import type { RunFleet } from './run-fleet';
import type { SerialWrites } from './serial-writes';
import type { TaskProgress } from './task-progress';

/** Tasks to send, by worker. */
export type Assignment = Map<string, WaitingTask[]>;

/** The statements a dispatch policy runs on the task table. */
export type PolicyTaskStore = Pick<
  TaskStore,
  'insertRoot' | 'insertSubtasks' | 'resetInFlight' | 'failInFlight' | 'markDispatched' | 'fail'
>;

/** What a dispatch policy works on: the run's ready queue, counts, fleet and task table. */
export interface DispatchPolicyDeps {
  instanceId: number;
  store: PolicyTaskStore;
  writes: SerialWrites;
  ready: ReadyQueue;
  fleet: RunFleet;
  progress: TaskProgress;
}

/**
 * How the tasks of one execute type start, travel and fail: Map and MapReduce (MapDispatchPolicy) send any task to
 * any eligible worker and run a lost one again; Broadcast (BroadcastDispatchPolicy) binds one task to each worker and
 * fails a lost one (never twice on one host). The TaskTracker does the rest the same way for both.
 *
 * The hooks that may wait for MySQL return a promise only when they do: on the Map path a batch is taken from the
 * ready queue, recorded in flight and sent without yielding, so no message handler sees a task in neither place.
 */
export interface DispatchPolicy {
  /** Whether a takeover asks the live workers what they hold before its first dispatch (AdoptTasks). */
  readonly adoptsHeldTasks: boolean;
  /** What lost dispatches become, for the log: 're-dispatched' or 'failed'. */
  readonly lostTasksAre: string;
  /** Takeover: the rows the previous TaskTracker marked DISPATCHED (reset to waiting, or failed). */
  resumeInFlight(now: number): Promise<void>;
  /** Stores the first tasks of a fresh run; an outcome when the run ends there instead. */
  seed(now: number): Promise<InstanceOutcome | undefined>;
  /** Workers tasks may be sent to now. */
  candidates(): WorkerState[];
  /** Takes ready tasks for the workers with room (`free`: room per worker, `capacity`: their sum). */
  assign(free: Map<string, number>, capacity: number): Assignment | Promise<Assignment>;
  /** Before a batch goes out and its acknowledgement timeout starts. */
  beforeSend(workerId: string, batch: WaitingTask[]): Promise<void> | undefined;
  /** Lost dispatches, already out of the ledger: they run again, or fail (`why` says what happened). */
  recover(tasks: WaitingTask[], why: string): Promise<void> | undefined;
}

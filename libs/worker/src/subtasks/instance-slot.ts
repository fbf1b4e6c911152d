import type { HeldResult, RunTasksCommand, TaskAssignment } from '@jobnest/common';
import type { TaskLogger } from '../processor/processor.interfaces';
import { createTaskLogger, type TaskLogSink } from '../reporting/task-logger';
import { parseWorkflowContext, workflowHandle, type WorkflowHandle } from '../execution/workflow-handle';

/** A subtask running here, with the AbortController it made if it read ctx.signal. */
export interface RunningTask {
  task: TaskAssignment;
  controller: AbortController | undefined;
}

/** A result sent to the TaskTracker and not yet known to be stored. */
export interface KeptResult {
  held: HeldResult;
  deliveredAt: number;
  /** The TaskResults message it went in. */
  seq: number;
}

/** Key of a running subtask: a task sent again after a lost acknowledgement can run twice here. */
export function runKey(task: TaskAssignment): string {
  return `${task.taskId}:${task.generation}`;
}

/** The subtasks of one instance on this worker: a queue and the ones running, at most `concurrency` at once. */
export class InstanceSlot {
  readonly queue: TaskAssignment[] = [];
  /**
   * The subtasks running now (by runKey), with the AbortController of each one that read ctx.signal. It is made
   * on first use: most subtasks never read it, and one per subtask costs more than a no-op subtask.
   */
  readonly running = new Map<string, RunningTask>();
  /** Finished, not sent yet. */
  results: HeldResult[] = [];
  /** Sent, not yet known to be stored by the TaskTracker (RunTasks.resultsStoredThrough, or a while later). */
  kept: KeptResult[] = [];
  /** Number of the last TaskResults message sent for the instance from here. */
  seq = 0;
  /** An answer to AdoptTasks is on its way: results wait, so they reach the new TaskTracker after it. */
  answering = false;
  /** Result batches on their way to the TaskTracker (an answer to AdoptTasks takes them over). */
  readonly inTransit = new Set<HeldResult[]>();
  /** Set by a stop: running subtasks are aborted with it, signals asked for later start aborted. */
  stopReason: Error | undefined;
  /** ctx.logger of every subtask of the instance (it only knows the instance id). */
  readonly logger: TaskLogger;
  /** Result messages being sent (re-sent until delivered): the slot is not idle meanwhile. */
  sending = 0;
  flushTimer: NodeJS.Timeout | undefined;
  /** ctx.workflow of the subtasks (read-only), made on first use; null until then. */
  private workflow: WorkflowHandle | undefined | null = null;

  constructor(
    public command: RunTasksCommand,
    logs: TaskLogSink,
  ) {
    this.logger = createTaskLogger(command.instanceId, logs);
  }

  /** ctx.workflow of the instance's subtasks: the context read-only, parsed once per slot. */
  workflowHandle(): WorkflowHandle | undefined {
    if (this.workflow === null) {
      const info = this.command.workflow;
      this.workflow = info ? workflowHandle(info, parseWorkflowContext(info), undefined) : undefined;
    }
    return this.workflow;
  }

  get idle(): boolean {
    return (
      this.queue.length === 0 &&
      this.running.size === 0 &&
      this.results.length === 0 &&
      this.sending === 0 &&
      this.kept.length === 0
    );
  }

  /** The TaskTracker stored the results sent up to `seq`: `kept` is in seq order, so they are a prefix. */
  dropStoredThrough(seq: number): void {
    let stored = 0;
    while (stored < this.kept.length && this.kept[stored]!.seq <= seq) stored++;
    if (stored > 0) this.kept.splice(0, stored);
  }
}

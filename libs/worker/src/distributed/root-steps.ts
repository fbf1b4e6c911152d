import type { RunInstanceCommand } from '@jobnest/common';
import type { InstanceOutcome } from '../execution/instance-executor';
import { runAttempt } from '../execution/run-attempt';
import { rootTaskContext } from '../execution/task-context';
import type { BasicProcessor, ProcessResult, TaskContext } from '../processor/processor.interfaces';
import { createTaskLogger, type TaskLogSink } from '../reporting/task-logger';
import type { WorkflowHandle } from '../execution/workflow-handle';

/** What a run's root steps need. */
export interface RootStepsDeps {
  command: RunInstanceCommand;
  processor: BasicProcessor;
  workerId: string;
  signal: AbortSignal;
  logs: TaskLogSink;
  /** ctx.workflow of the steps (a node of a workflow only): they may add keys. */
  workflow?: WorkflowHandle;
}

/**
 * The steps a distributed run takes on its TaskTracker's worker, around its subtasks (preProcess, reduce,
 * postProcess): each as the root task named after the step, in one attempt, ctx.map() unavailable.
 */
export class RootSteps {
  constructor(private readonly deps: RootStepsDeps) {}

  run(taskName: string, step: (ctx: TaskContext) => Promise<ProcessResult>): Promise<InstanceOutcome> {
    const { command, processor, workerId, signal, logs, workflow } = this.deps;
    const ctx = rootTaskContext(command, {
      taskName,
      attempt: 1,
      workerId,
      signal,
      logger: createTaskLogger(command.instanceId, logs),
      mapUnavailableReason: `${taskName} runs after the subtasks`,
      workflow,
    });
    return runAttempt(processor, ctx, command.processor, step);
  }
}

import type { RunInstanceCommand, TaskAssignment } from '@jobnest/common';
import { ROOT_TASK_ID } from '../constants';
import type { TaskContext, TaskLogger } from '../processor/processor.interfaces';
import type { WorkflowHandle } from './workflow-handle';

/** What every context of one instance run carries; RunInstance and RunTasks both have these fields. */
export type RunFields = Pick<
  RunInstanceCommand,
  'jobId' | 'instanceId' | 'jobParams' | 'instanceParams' | 'taskRetries' | 'runningTimes'
>;

/** The root task of a STANDALONE run, or a step of a distributed run on its TaskTracker (preProcess, reduce...). */
export interface RootTaskInput {
  taskName: string;
  /** 1-based. */
  attempt: number;
  workerId: string;
  signal: AbortSignal;
  /** The instance's ctx.logger (createTaskLogger). */
  logger: TaskLogger;
  /** Why ctx.map() is not available to it. */
  mapUnavailableReason: string;
  /** ctx.workflow (a node of a workflow only). */
  workflow?: WorkflowHandle;
}

/** A subtask a ProcessorTracker runs. */
export interface SubtaskInput {
  workerId: string;
  /** Made on first use of ctx.signal (most subtasks never read it, and one per subtask would cost). */
  signal: () => AbortSignal;
  /** The instance's ctx.logger, shared by all its subtasks on this worker. */
  logger: TaskLogger;
  /** ctx.map() of this task; absent where mapping is not allowed (BROADCAST), ctx.map() then throws saying why. */
  map?: (items: unknown[], taskName: string) => Promise<void>;
  mapUnavailableReason?: string;
  /** ctx.workflow, read-only (a node of a workflow only). */
  workflow?: WorkflowHandle;
}

/** The context of a root task or root step (task id '0', no subtask item). */
export function rootTaskContext(run: RunFields, input: RootTaskInput): TaskContext {
  return createTaskContext(
    {
      jobId: run.jobId,
      instanceId: run.instanceId,
      taskId: ROOT_TASK_ID,
      taskName: input.taskName,
      subtask: null,
      isRoot: true,
      jobParams: run.jobParams,
      instanceParams: run.instanceParams,
      attempt: input.attempt,
      taskRetries: run.taskRetries,
      runningTimes: run.runningTimes,
      workerId: input.workerId,
      signal: input.signal,
      mapUnavailableReason: input.mapUnavailableReason,
      workflow: input.workflow,
    },
    input.logger,
  );
}

/** The context of a subtask: its item parsed from the payload, ctx.attempt = earlier failures + 1. */
export function subtaskContext(run: RunFields, task: TaskAssignment, input: SubtaskInput): TaskContext {
  return createTaskContext(
    {
      jobId: run.jobId,
      instanceId: run.instanceId,
      taskId: String(task.taskId),
      taskName: task.taskName,
      subtask: task.payload === null ? null : (JSON.parse(task.payload) as unknown),
      isRoot: task.isRoot,
      jobParams: run.jobParams,
      instanceParams: run.instanceParams,
      attempt: task.failures + 1,
      taskRetries: run.taskRetries,
      runningTimes: run.runningTimes,
      workerId: input.workerId,
      signal: input.signal,
      map: input.map,
      mapUnavailableReason: input.mapUnavailableReason,
      workflow: input.workflow,
    },
    input.logger,
  );
}

/** A context's plain fields; `signal` may be a getter (a subtask's signal is made when it starts). */
interface TaskContextInput extends Pick<
  TaskContext,
  | 'jobId'
  | 'instanceId'
  | 'taskId'
  | 'taskName'
  | 'subtask'
  | 'jobParams'
  | 'instanceParams'
  | 'attempt'
  | 'taskRetries'
  | 'runningTimes'
  | 'workerId'
> {
  isRoot: boolean;
  signal: AbortSignal | (() => AbortSignal);
  map?: TaskContext['map'];
  mapUnavailableReason?: string;
  workflow?: WorkflowHandle;
}

function createTaskContext(input: TaskContextInput, logger: TaskLogger): TaskContext {
  const { map, mapUnavailableReason, isRoot, signal, workflow, ...rest } = input;
  let made: AbortSignal | undefined;
  return {
    ...rest,
    get signal(): AbortSignal {
      made ??= typeof signal === 'function' ? signal() : signal;
      return made;
    },
    logger,
    workflow,
    isRootTask: () => isRoot,
    map:
      map ??
      (() =>
        Promise.reject(
          new Error(`ctx.map() is not available here: ${mapUnavailableReason ?? 'only MAP and MAP_REDUCE jobs map'}`),
        )),
  };
}

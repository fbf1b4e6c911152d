import { longTimeout, type LongTimeoutHandle, type RunInstanceCommand } from '@jobnest/common';
import { parseWorkflowContext, WorkflowAdditions, workflowHandle, type WorkflowHandle } from './workflow-handle';

/** Why a run was aborted: a stop or time limit ends its subtasks, a shutdown leaves them for a takeover. */
export type AbortKind = 'stop' | 'time-limit' | 'shutdown' | 'superseded';

/** One run (instanceId + runningTimes) of an instance the InstanceTracker of this worker owns. */
export class InstanceRun {
  readonly key: string;
  readonly startedAt = Date.now();
  private readonly controller = new AbortController();
  private timeLimitTimer: LongTimeoutHandle | undefined;
  private ended = false;
  private kind: AbortKind | undefined;
  /** The keys this run adds to its workflow's context (undefined outside a workflow). */
  readonly workflowAdditions: WorkflowAdditions | undefined;
  private workflowContext: Readonly<Record<string, unknown>> | undefined;

  constructor(readonly command: RunInstanceCommand) {
    this.key = InstanceRun.key(command.instanceId, command.runningTimes);
    this.workflowAdditions = command.workflow ? new WorkflowAdditions(command.workflow.maxAdditionsBytes) : undefined;
  }

  /** ctx.workflow of this run's root task and steps (undefined outside a workflow); the context is parsed once. */
  workflowHandle(): WorkflowHandle | undefined {
    const info = this.command.workflow;
    if (!info) return undefined;
    this.workflowContext ??= parseWorkflowContext(info);
    return workflowHandle(info, this.workflowContext, this.workflowAdditions);
  }

  static key(instanceId: number, runningTimes: number): string {
    return `${instanceId}:${runningTimes}`;
  }

  get instanceId(): number {
    return this.command.instanceId;
  }

  get runningTimes(): number {
    return this.command.runningTimes;
  }

  /** Aborted on stop, time limit or shutdown; `signal.reason` is an Error saying why. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the outcome was decided (reported); a later result of the processor is ignored. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Marks the run ended; false if it already was (the first outcome wins). */
  end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.timeLimitTimer?.clear();
    return true;
  }

  abort(reason: Error, kind: AbortKind = 'stop'): void {
    if (this.controller.signal.aborted) return;
    this.kind = kind;
    this.controller.abort(reason);
  }

  /** Why the run was aborted (undefined while it was not). */
  get abortKind(): AbortKind | undefined {
    return this.kind;
  }

  /** Calls `onExceeded` after instanceTimeLimitMs (0 = no limit); limits past 2^31-1 ms (24.8 days) work too. */
  armTimeLimit(onExceeded: () => void): void {
    const limit = this.command.instanceTimeLimitMs;
    if (!(limit > 0)) return;
    this.timeLimitTimer = longTimeout(onExceeded, limit);
  }
}

import { JobnestError, type WorkflowContext, type WorkflowRunInfo } from '@jobnest/common';

/** `ctx.workflow`: the workflow instance a node's run belongs to. Undefined outside a workflow. */
export interface WorkflowHandle {
  workflowInstanceId: number;
  /** The node this run is, as named in the workflow's DAG. */
  nodeId: string;
  /** The workflow context when the node started (frozen: add keys with set()). */
  readonly context: Readonly<WorkflowContext>;
  /**
   * Adds (or replaces) a key of the workflow context. The keys travel with the run's final report and merge into the
   * context when the node SUCCEEDS (a failed run's keys are dropped); later nodes see them. `value` must be
   * JSON-serialisable. Available in process() of a STANDALONE job, reduce() of MAP_REDUCE and preProcess() /
   * postProcess() of BROADCAST; a subtask's set() throws (its context is read-only).
   */
  set(key: string, value: unknown): void;
}

/** ctx.workflow.set() was given something the workflow context cannot hold. */
export class WorkflowContextError extends JobnestError {
  constructor(message: string) {
    super(message, 'WORKFLOW_CONTEXT_INVALID');
  }
}

/**
 * The keys one run of a workflow node adds, kept as JSON text (so a value that cannot be stored is refused at
 * set(), where the processor can see why), bounded by the server's limit.
 */
export class WorkflowAdditions {
  private readonly entries = new Map<string, string>();
  private bytes = 2; // "{}"

  constructor(private readonly maxBytes: number) {}

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
      throw new WorkflowContextError('ctx.workflow.set(key, value): key must be a string of 1-200 characters');
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (err) {
      throw new WorkflowContextError(`ctx.workflow.set('${key}'): the value is not JSON-serialisable: ${String(err)}`);
    }
    if (json === undefined) {
      throw new WorkflowContextError(
        `ctx.workflow.set('${key}'): the value is not JSON-serialisable (${typeof value})`,
      );
    }
    const previous = this.entries.get(key);
    const entryBytes = (k: string, v: string) => Buffer.byteLength(JSON.stringify(k)) + Buffer.byteLength(v) + 2;
    const next = this.bytes - (previous === undefined ? 0 : entryBytes(key, previous)) + entryBytes(key, json);
    if (next > this.maxBytes) {
      throw new WorkflowContextError(
        `ctx.workflow.set('${key}'): the node's context additions would be ${next} bytes, over the limit of ${this.maxBytes} bytes`,
      );
    }
    this.entries.set(key, json);
    this.bytes = next;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 2;
  }

  /** The additions as one JSON object string, or undefined when there are none. */
  toJson(): string | undefined {
    if (this.entries.size === 0) return undefined;
    return `{${[...this.entries].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** The frozen context of a run (parsed once per run); an unreadable one is empty rather than a crash. */
export function parseWorkflowContext(info: WorkflowRunInfo): Readonly<WorkflowContext> {
  try {
    const parsed = JSON.parse(info.context) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return deepFreeze(parsed as WorkflowContext);
    }
  } catch {
    // fall through: the server only sends JSON objects
  }
  return Object.freeze({});
}

/** ctx.workflow for a step that may add keys (`additions`), or a read-only one (a subtask: `additions` undefined). */
export function workflowHandle(
  info: WorkflowRunInfo,
  context: Readonly<WorkflowContext>,
  additions: WorkflowAdditions | undefined,
): WorkflowHandle {
  return {
    workflowInstanceId: info.workflowInstanceId,
    nodeId: info.nodeId,
    context,
    set(key: string, value: unknown): void {
      if (!additions) {
        throw new WorkflowContextError(
          'ctx.workflow.set() is not available in a subtask: set keys from reduce() (MAP_REDUCE) or preProcess() / postProcess() (BROADCAST)',
        );
      }
      additions.set(key, value);
    },
  };
}

import {
  DispatchStrategy,
  MessageDecodeError,
  type CommandBatchCommand,
  type ExecuteType,
  type SingleWorkerCommand,
  type TaskAssignment,
  type WorkerCommand,
  type WorkflowRunInfo,
} from '@jobnest/common';

type Obj = Record<string, unknown>;

/**
 * A CommandBatch as decoded: the good elements in order, and what was left out. A bad element does not cost the
 * others: the intake handles `commands` and logs the rest.
 */
export interface DecodedCommandBatch extends CommandBatchCommand {
  /** One message per malformed element (its index and kind, and what is wrong with it). */
  refused: string[];
  /** Kinds of the elements this worker does not know (a newer sender), skipped like an unknown job. */
  unknownKinds: string[];
}

/** What decodeWorkerCommand returns: a single command, or a batch with its refused elements. */
export type DecodedWorkerCommand = SingleWorkerCommand | DecodedCommandBatch;

/**
 * Checks a command a worker took from its BullMQ queue (job name = command kind, data = the command), as the
 * decoders of message-codec.ts check the stream entries servers read. Returns undefined for a kind this worker
 * does not know (a newer sender); throws MessageDecodeError for a malformed command. A CommandBatch throws only
 * when it is malformed as a whole (no list of commands); see decodeCommandBatch.
 */
export function decodeWorkerCommand(name: string, data: unknown): DecodedWorkerCommand | undefined {
  const o = commandObject(name, data);
  return o.kind === 'CommandBatch' ? decodeBatch(o) : decodeSingle(o.kind as string, o);
}

/**
 * Decodes the data of a CommandBatch job: each element with the per-kind decoding of decodeWorkerCommand (its
 * `kind` is its name). A malformed element or a nested batch goes to `refused`, an element of an unknown kind to
 * `unknownKinds`; the others come out in order. Throws MessageDecodeError when `data` has no list of commands.
 */
export function decodeCommandBatch(data: unknown): DecodedCommandBatch {
  return decodeBatch(commandObject('CommandBatch', data));
}

/** The command's object, with `kind` set (from the job name when absent) and checked against the job name. */
function commandObject(name: string, data: unknown): Obj & { kind: string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new MessageDecodeError('command data is not an object');
  const o = data as Obj;
  const kind = typeof o.kind === 'string' ? o.kind : name;
  if (kind !== name) throw new MessageDecodeError(`job name '${name}' and command kind '${kind}' differ`);
  return { ...o, kind };
}

function decodeBatch(o: Obj): DecodedCommandBatch {
  const commands: SingleWorkerCommand[] = [];
  const refused: string[] = [];
  const unknownKinds: string[] = [];
  list(o, 'commands').forEach((element, i) => {
    const kind =
      typeof element === 'object' && element !== null && typeof (element as Obj).kind === 'string'
        ? ((element as Obj).kind as string)
        : undefined;
    if (kind === undefined) {
      refused.push(`commands[${i}] is not an object with a kind`);
      return;
    }
    const what = `commands[${i}] (${kind.slice(0, 120)})`;
    if (kind === 'CommandBatch') {
      refused.push(`${what}: a CommandBatch inside a CommandBatch`);
      return;
    }
    try {
      const command = decodeSingle(kind, element as Obj);
      if (command) commands.push(command);
      else unknownKinds.push(kind);
    } catch (err) {
      if (!(err instanceof MessageDecodeError)) throw err;
      refused.push(`${what}: ${err.message}`);
    }
  });
  return { kind: 'CommandBatch', commands, refused, unknownKinds };
}

function decodeSingle(kind: string, o: Obj): SingleWorkerCommand | undefined {
  switch (kind) {
    case 'RunInstance': {
      // An execute type unknown here still makes a RunInstance: the tracker reports it FAILED with a clear message.
      const executeType = str(o, 'executeType');
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        jobId: int(o, 'jobId'),
        appId: int(o, 'appId'),
        processor: str(o, 'processor'),
        executeType: executeType as ExecuteType,
        jobParams: nullableStr(o, 'jobParams'),
        instanceParams: nullableStr(o, 'instanceParams'),
        runningTimes: positiveInt(o, 'runningTimes'),
        taskRetries: optionalInt(o, 'taskRetries', 0),
        concurrency: optionalInt(o, 'concurrency', 0),
        instanceTimeLimitMs: optionalInt(o, 'instanceTimeLimitMs', 0),
        dispatchedAt: optionalInt(o, 'dispatchedAt', Date.now()),
        placement: placement(o.placement),
        workerTimeoutMs: optionalInt(o, 'workerTimeoutMs', 15_000) || 15_000,
        resume: o.resume === true,
        notBefore: optionalInt(o, 'notBefore', 0),
        ...workflowRun(o),
      };
    }
    case 'RunTasks':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        jobId: int(o, 'jobId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        trackerWorkerId: str(o, 'trackerWorkerId'),
        processor: str(o, 'processor'),
        executeType: str(o, 'executeType') as ExecuteType,
        jobParams: nullableStr(o, 'jobParams'),
        instanceParams: nullableStr(o, 'instanceParams'),
        taskRetries: optionalInt(o, 'taskRetries', 0),
        concurrency: Math.max(1, optionalInt(o, 'concurrency', 1)),
        tasks: list(o, 'tasks').map((t, i) => assignment(t, i)),
        resultsStoredThrough: optionalInt(o, 'resultsStoredThrough', 0),
        ...workflowRun(o),
      };
    case 'TasksReceived':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        workerId: str(o, 'workerId'),
        tasks: list(o, 'tasks').map((t, i) => {
          const e = entry(t, `tasks[${i}]`);
          return { taskId: positiveInt(e, 'taskId'), generation: generation(e) };
        }),
      };
    case 'TaskResults':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        workerId: str(o, 'workerId'),
        results: list(o, 'results').map((r, i) => {
          const e = entry(r, `results[${i}]`);
          if (typeof e.success !== 'boolean') throw new MessageDecodeError(`results[${i}].success must be a boolean`);
          return {
            taskId: positiveInt(e, 'taskId'),
            generation: generation(e),
            success: e.success,
            result: nullableStr(e, 'result'),
          };
        }),
        seq: optionalInt(o, 'seq', 0),
      };
    case 'SubtasksCreated':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        count: optionalInt(o, 'count', 0),
        firstTaskId: optionalInt(o, 'firstTaskId', 0),
      };
    case 'StopTasks':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        reason: typeof o.reason === 'string' ? o.reason : 'no reason given',
      };
    case 'AdoptTasks':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        trackerWorkerId: str(o, 'trackerWorkerId'),
      };
    case 'TasksHeld':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        runningTimes: positiveInt(o, 'runningTimes'),
        workerId: str(o, 'workerId'),
        tasks: list(o, 'tasks').map((t, i) => assignment(t, i)),
        finished: list(o, 'finished').map((f, i) => {
          const e = entry(f, `finished[${i}]`);
          if (typeof e.success !== 'boolean') throw new MessageDecodeError(`finished[${i}].success must be a boolean`);
          return { task: assignment(e.task, i), success: e.success, result: nullableStr(e, 'result') };
        }),
      };
    case 'StopInstance':
      return {
        kind,
        instanceId: positiveInt(o, 'instanceId'),
        reason: typeof o.reason === 'string' ? o.reason : 'no reason given',
      };
    case 'AckInstanceStatus':
      return { kind, instanceId: positiveInt(o, 'instanceId'), runningTimes: positiveInt(o, 'runningTimes') };
    case 'AckInstanceRunning':
      return { kind, instanceId: positiveInt(o, 'instanceId'), runningTimes: positiveInt(o, 'runningTimes') };
    default:
      return undefined;
  }
}

function entry(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MessageDecodeError(`${what} is not an object`);
  return value as Obj;
}

function list(o: Obj, key: string): unknown[] {
  if (!Array.isArray(o[key])) throw new MessageDecodeError(`field '${key}' must be a list`);
  return o[key] as unknown[];
}

function assignment(value: unknown, i: number): TaskAssignment {
  const e = entry(value, `tasks[${i}]`);
  return {
    taskId: positiveInt(e, 'taskId'),
    taskName: str(e, 'taskName'),
    payload: nullableStr(e, 'payload'),
    generation: generation(e),
    failures: optionalInt(e, 'failures', 0),
    isRoot: e.isRoot === true,
  };
}

/** The dispatch generation of a task; SDKs before its rename sent it as `attempt`. */
function generation(e: Obj): number {
  return int(e, e.generation === undefined && e.attempt !== undefined ? 'attempt' : 'generation');
}

/** The workflow a node's run belongs to (absent outside workflows). */
function workflowRun(o: Obj): { workflow?: WorkflowRunInfo } {
  if (o.workflow === undefined || o.workflow === null) return {};
  const w = entry(o.workflow, 'workflow');
  return {
    workflow: {
      workflowInstanceId: positiveInt(w, 'workflowInstanceId'),
      nodeId: str(w, 'nodeId'),
      context: str(w, 'context'),
      maxAdditionsBytes: int(w, 'maxAdditionsBytes'),
    },
  };
}

/** Older servers sent no placement: any worker of the app is eligible. */
function placement(value: unknown): Extract<WorkerCommand, { kind: 'RunInstance' }>['placement'] {
  const p = typeof value === 'object' && value !== null ? (value as Obj) : {};
  const strategy = Object.values(DispatchStrategy).includes(p.dispatchStrategy as DispatchStrategy)
    ? (p.dispatchStrategy as DispatchStrategy)
    : DispatchStrategy.HEALTH_FIRST;
  return {
    dispatchStrategy: strategy,
    designatedWorkers: Array.isArray(p.designatedWorkers)
      ? p.designatedWorkers.filter((x): x is string => typeof x === 'string')
      : [],
    minCpuCores: typeof p.minCpuCores === 'number' ? p.minCpuCores : 0,
    minMemoryMb: typeof p.minMemoryMb === 'number' ? p.minMemoryMb : 0,
    maxWorkerCount: typeof p.maxWorkerCount === 'number' ? p.maxWorkerCount : 0,
  };
}

function str(o: Obj, key: string): string {
  if (typeof o[key] !== 'string') throw new MessageDecodeError(`field '${key}' must be a string`);
  return o[key] as string;
}

function nullableStr(o: Obj, key: string): string | null {
  return o[key] === null || o[key] === undefined ? null : str(o, key);
}

function int(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new MessageDecodeError(`field '${key}' must be a whole number`);
  return v;
}

function positiveInt(o: Obj, key: string): number {
  const v = int(o, key);
  if (v < 1) throw new MessageDecodeError(`field '${key}' must be >= 1`);
  return v;
}

function optionalInt(o: Obj, key: string, fallback: number): number {
  return o[key] === undefined || o[key] === null ? fallback : Math.max(0, int(o, key));
}

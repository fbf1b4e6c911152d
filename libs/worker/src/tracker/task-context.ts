import { errorMessage } from '@jobnest/common';
import type { TaskContext, TaskLogger } from '../processor/processor.interfaces';

/** What every task context needs, whatever the execute type. */
export interface TaskContextInput {
  jobId: number;
  instanceId: number;
  taskId: string;
  taskName: string;
  subtask: unknown;
  isRoot: boolean;
  jobParams: string | null;
  instanceParams: string | null;
  attempt: number;
  taskRetries: number;
  runningTimes: number;
  workerId: string;
  /** The signal, or how to make it on first use of ctx.signal (most subtasks never read it). */
  signal: AbortSignal | (() => AbortSignal);
  /** Absent where mapping is not allowed (STANDALONE, BROADCAST, reduce): ctx.map() then throws, saying why. */
  map?: (items: unknown[], taskName: string) => Promise<void>;
  /** Why ctx.map() is not available here. */
  mapUnavailableReason?: string;
}

/** `logger`: the instance's ctx.logger (createTaskLogger), shared by all its tasks on this worker. */
export function createTaskContext(input: TaskContextInput, logger: TaskLogger): TaskContext {
  const { map, mapUnavailableReason, isRoot, signal, ...rest } = input;
  let made: AbortSignal | undefined;
  return {
    ...rest,
    get signal(): AbortSignal {
      made ??= typeof signal === 'function' ? signal() : signal;
      return made;
    },
    logger,
    isRootTask: () => isRoot,
    map:
      map ??
      (() =>
        Promise.reject(
          new Error(`ctx.map() is not available here: ${mapUnavailableReason ?? 'only MAP and MAP_REDUCE jobs map'}`),
        )),
  };
}

/** JSON of each item, with the index of the first one that cannot be stored. */
export function serialiseItems(items: unknown[]): string[] {
  if (!Array.isArray(items)) throw new TypeError('ctx.map() takes an array of items');
  return items.map((item, i) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(item);
    } catch (err) {
      throw new TypeError(`ctx.map() item ${i} is not JSON-serialisable: ${errorMessage(err)}`, { cause: err });
    }
    if (json === undefined) throw new TypeError(`ctx.map() item ${i} is not JSON-serialisable (${typeof item})`);
    return json;
  });
}

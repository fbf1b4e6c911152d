import { MessageDecodeError, type ExecuteType, type WorkerCommand } from '@jobnest/common';

type Obj = Record<string, unknown>;

/**
 * Checks a command taken from the worker queue (job name = command kind, data = the command). Returns undefined
 * for a kind this worker does not know (a newer server); throws MessageDecodeError for a malformed command.
 */
export function decodeWorkerCommand(name: string, data: unknown): WorkerCommand | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new MessageDecodeError('command data is not an object');
  const o = data as Obj;
  const kind = typeof o.kind === 'string' ? o.kind : name;
  if (kind !== name) throw new MessageDecodeError(`job name '${name}' and command kind '${kind}' differ`);
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
      };
    }
    case 'StopInstance':
      return { kind, instanceId: positiveInt(o, 'instanceId'), reason: typeof o.reason === 'string' ? o.reason : 'no reason given' };
    case 'AckInstanceStatus':
      return { kind, instanceId: positiveInt(o, 'instanceId'), runningTimes: positiveInt(o, 'runningTimes') };
    default:
      return undefined;
  }
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
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new MessageDecodeError(`field '${key}' must be a whole number`);
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

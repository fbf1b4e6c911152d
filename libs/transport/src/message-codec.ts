import {
  InstanceStatus,
  LogLevel,
  MessageDecodeError,
  type Heartbeat,
  type InstanceStatusReport,
  type LogBatch,
  type LogLine,
  type StreamMessage,
  type WorkerCommand,
} from '@jobnest/common';
import { WORKER_ID_PATTERN } from './names';

function workerId(o: Obj): string {
  const id = str(o, 'workerId');
  if (!WORKER_ID_PATTERN.test(id)) throw new MessageDecodeError(`field 'workerId' is not a valid worker id ('${id.slice(0, 120)}')`);
  return id;
}

/** Stream entries carry one field, `m`, holding the message as JSON. */
export const MESSAGE_FIELD = 'm';

export function encodeMessage(message: StreamMessage | WorkerCommand): string {
  return JSON.stringify(message);
}

type Obj = Record<string, unknown>;

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessageDecodeError(`${what} is not an object`);
  }
  return value as Obj;
}
function str(o: Obj, key: string): string {
  if (typeof o[key] !== 'string') throw new MessageDecodeError(`field '${key}' must be a string`);
  return o[key] as string;
}
function nullableStr(o: Obj, key: string): string | null {
  if (o[key] === null || o[key] === undefined) return null;
  return str(o, key);
}
function num(o: Obj, key: string): number {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw new MessageDecodeError(`field '${key}' must be a number`);
  return o[key] as number;
}
function int(o: Obj, key: string): number {
  const n = num(o, key);
  if (!Number.isInteger(n)) throw new MessageDecodeError(`field '${key}' must be a whole number`);
  return n;
}
function strArray(o: Obj, key: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new MessageDecodeError(`field '${key}' must be a list of strings`);
  }
  return v as string[];
}

function parse(raw: string | undefined): Obj {
  if (raw === undefined) throw new MessageDecodeError(`entry has no '${MESSAGE_FIELD}' field`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new MessageDecodeError('entry is not valid JSON');
  }
  return obj(value, 'message');
}

function expectKind(o: Obj, kind: string): void {
  if (o.kind !== kind) throw new MessageDecodeError(`expected kind '${kind}', got '${String(o.kind)}'`);
}

export function decodeHeartbeat(raw: string | undefined): Heartbeat {
  const o = parse(raw);
  expectKind(o, 'Heartbeat');
  const m = obj(o.metrics, 'metrics');
  return {
    kind: 'Heartbeat',
    workerId: workerId(o),
    appId: int(o, 'appId'),
    appName: str(o, 'appName'),
    host: str(o, 'host'),
    pid: int(o, 'pid'),
    tags: strArray(o, 'tags'),
    processors: strArray(o, 'processors'),
    metrics: {
      cpuCores: num(m, 'cpuCores'),
      cpuLoad: num(m, 'cpuLoad'),
      memoryTotalMb: num(m, 'memoryTotalMb'),
      memoryFreeMb: num(m, 'memoryFreeMb'),
      processRssMb: num(m, 'processRssMb'),
    },
    runningInstances: int(o, 'runningInstances'),
    maxConcurrentInstances: int(o, 'maxConcurrentInstances'),
    time: int(o, 'time'),
    shuttingDown: o.shuttingDown === true,
    sdkVersion: typeof o.sdkVersion === 'string' ? o.sdkVersion : 'unknown',
  };
}

const REPORTED: string[] = [InstanceStatus.RUNNING, InstanceStatus.SUCCEEDED, InstanceStatus.FAILED, InstanceStatus.STOPPED];

export function decodeInstanceStatusReport(raw: string | undefined): InstanceStatusReport {
  const o = parse(raw);
  expectKind(o, 'InstanceStatusReport');
  const status = str(o, 'status');
  if (!REPORTED.includes(status)) throw new MessageDecodeError(`field 'status' must be one of ${REPORTED.join(', ')}`);
  const instanceId = int(o, 'instanceId');
  const runningTimes = int(o, 'runningTimes');
  if (instanceId < 1 || runningTimes < 1) throw new MessageDecodeError('instanceId and runningTimes must be >= 1');
  return {
    kind: 'InstanceStatusReport',
    instanceId,
    workerId: workerId(o),
    runningTimes,
    status: status as InstanceStatusReport['status'],
    result: nullableStr(o, 'result'),
    time: int(o, 'time'),
    ...(o.tasks === undefined || o.tasks === null ? {} : { tasks: taskCounts(obj(o.tasks, 'tasks')) }),
  };
}

function taskCounts(t: Obj): NonNullable<InstanceStatusReport['tasks']> {
  const counts = {
    total: int(t, 'total'),
    waiting: int(t, 'waiting'),
    running: int(t, 'running'),
    succeeded: int(t, 'succeeded'),
    failed: int(t, 'failed'),
  };
  if (Object.values(counts).some((n) => n < 0)) throw new MessageDecodeError('task counts must be >= 0');
  return counts;
}

const LEVELS: string[] = Object.values(LogLevel);

export function decodeLogBatch(raw: string | undefined): LogBatch {
  const o = parse(raw);
  expectKind(o, 'LogBatch');
  if (!Array.isArray(o.lines)) throw new MessageDecodeError(`field 'lines' must be a list`);
  const lines: LogLine[] = o.lines.map((value, i) => {
    const l = obj(value, `lines[${i}]`);
    const level = str(l, 'level');
    if (!LEVELS.includes(level)) throw new MessageDecodeError(`lines[${i}].level must be one of ${LEVELS.join(', ')}`);
    return { instanceId: int(l, 'instanceId'), time: int(l, 'time'), level: level as LogLevel, message: str(l, 'message') };
  });
  return { kind: 'LogBatch', workerId: workerId(o), lines };
}

/** Flattens an ioredis field list (`[f1, v1, f2, v2]`) into a lookup of the message field. */
export function messageField(fields: string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === MESSAGE_FIELD) return fields[i + 1];
  return undefined;
}

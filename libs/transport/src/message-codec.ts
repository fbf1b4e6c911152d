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

/** Stream entries carry one field, `m`, holding the message as JSON. */
export const MESSAGE_FIELD = 'm';

/**
 * Bounds of decoded fields. A value outside them is a broken or hostile producer: it is rejected at decode (and
 * dead-lettered by the consumer) instead of failing later in MySQL or in arithmetic, where it would block a stream.
 */
export const MESSAGE_LIMITS = {
  /** Epoch ms up to 9999-12-31T23:59:59.999Z. */
  maxEpochMs: 253_402_300_799_999,
  /** Names, hosts, tags, processor names, versions. */
  maxShortText: 255,
  /** A log line or a result (workers cut them far shorter; the server cuts log lines again when storing). */
  maxLongText: 1_048_576,
  /** Lines in one LogBatch (workers send at most 1,000), tags or processors in one heartbeat. */
  maxListLength: 10_000,
  /** CPU cores, load, megabytes: generous, only absurd values are refused. */
  maxMetric: 1e12,
} as const;

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

function str(o: Obj, key: string, maxLength: number = MESSAGE_LIMITS.maxShortText): string {
  const v = o[key];
  if (typeof v !== 'string') throw new MessageDecodeError(`field '${key}' must be a string`);
  if (v.length > maxLength)
    throw new MessageDecodeError(`field '${key}' is longer than ${maxLength} characters (${v.length})`);
  return v;
}

function nullableStr(o: Obj, key: string, maxLength: number): string | null {
  if (o[key] === null || o[key] === undefined) return null;
  return str(o, key, maxLength);
}

function num(o: Obj, key: string): number {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key]))
    throw new MessageDecodeError(`field '${key}' must be a number`);
  return o[key] as number;
}

/** A number within [min, max]; the message names the field and the range. */
function numberIn(o: Obj, key: string, min: number, max: number): number {
  const n = num(o, key);
  if (n < min || n > max) throw new MessageDecodeError(`field '${key}' must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** A whole number within [min, max] (max at most Number.MAX_SAFE_INTEGER). */
function intIn(o: Obj, key: string, min: number, max: number): number {
  const n = num(o, key);
  if (!Number.isInteger(n)) throw new MessageDecodeError(`field '${key}' must be a whole number (got ${n})`);
  if (n < min || n > max) throw new MessageDecodeError(`field '${key}' must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** Ids (instance, app, process): positive safe integers, as MySQL BIGINT ids are read back without loss. */
function positiveId(o: Obj, key: string): number {
  return intIn(o, key, 1, Number.MAX_SAFE_INTEGER);
}

function count(o: Obj, key: string): number {
  return intIn(o, key, 0, Number.MAX_SAFE_INTEGER);
}

function epochMs(o: Obj, key: string): number {
  return intIn(o, key, 0, MESSAGE_LIMITS.maxEpochMs);
}

function metric(o: Obj, key: string): number {
  return numberIn(o, key, 0, MESSAGE_LIMITS.maxMetric);
}

function strArray(o: Obj, key: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw new MessageDecodeError(`field '${key}' must be a list of strings`);
  }
  if (v.length > MESSAGE_LIMITS.maxListLength) {
    throw new MessageDecodeError(`field '${key}' has more than ${MESSAGE_LIMITS.maxListLength} items (${v.length})`);
  }
  const long = (v as string[]).find((s) => s.length > MESSAGE_LIMITS.maxShortText);
  if (long !== undefined) {
    throw new MessageDecodeError(`field '${key}' has an item longer than ${MESSAGE_LIMITS.maxShortText} characters`);
  }
  return v as string[];
}

function workerId(o: Obj): string {
  const id = str(o, 'workerId');
  if (!WORKER_ID_PATTERN.test(id))
    throw new MessageDecodeError(`field 'workerId' is not a valid worker id ('${id.slice(0, 120)}')`);
  return id;
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
  if (o.kind !== kind) throw new MessageDecodeError(`expected kind '${kind}', got '${String(o.kind).slice(0, 120)}'`);
}

export function decodeHeartbeat(raw: string | undefined): Heartbeat {
  const o = parse(raw);
  expectKind(o, 'Heartbeat');
  const m = obj(o.metrics, 'metrics');
  return {
    kind: 'Heartbeat',
    workerId: workerId(o),
    appId: positiveId(o, 'appId'),
    appName: str(o, 'appName'),
    host: str(o, 'host'),
    pid: positiveId(o, 'pid'),
    tags: strArray(o, 'tags'),
    processors: strArray(o, 'processors'),
    metrics: {
      cpuCores: metric(m, 'cpuCores'),
      cpuLoad: metric(m, 'cpuLoad'),
      memoryTotalMb: metric(m, 'memoryTotalMb'),
      memoryFreeMb: metric(m, 'memoryFreeMb'),
      processRssMb: metric(m, 'processRssMb'),
    },
    runningInstances: count(o, 'runningInstances'),
    maxConcurrentInstances: count(o, 'maxConcurrentInstances'),
    time: epochMs(o, 'time'),
    shuttingDown: o.shuttingDown === true,
    sdkVersion: typeof o.sdkVersion === 'string' ? str(o, 'sdkVersion') : 'unknown',
    // Older workers announce none.
    features: o.features === undefined || o.features === null ? [] : strArray(o, 'features'),
  };
}

const REPORTED: string[] = [
  InstanceStatus.RUNNING,
  InstanceStatus.SUCCEEDED,
  InstanceStatus.FAILED,
  InstanceStatus.STOPPED,
];

export function decodeInstanceStatusReport(raw: string | undefined): InstanceStatusReport {
  const o = parse(raw);
  expectKind(o, 'InstanceStatusReport');
  if (typeof o.status !== 'string' || !REPORTED.includes(o.status)) {
    throw new MessageDecodeError(`field 'status' must be one of ${REPORTED.join(', ')}`);
  }
  return {
    kind: 'InstanceStatusReport',
    instanceId: positiveId(o, 'instanceId'),
    workerId: workerId(o),
    runningTimes: positiveId(o, 'runningTimes'),
    status: o.status as InstanceStatusReport['status'],
    result: nullableStr(o, 'result', MESSAGE_LIMITS.maxLongText),
    time: epochMs(o, 'time'),
    ...(o.tasks === undefined || o.tasks === null ? {} : { tasks: taskCounts(obj(o.tasks, 'tasks')) }),
    ...(o.contextAdditions === undefined || o.contextAdditions === null
      ? {}
      : { contextAdditions: str(o, 'contextAdditions', MESSAGE_LIMITS.maxLongText) }),
  };
}

function taskCounts(t: Obj): NonNullable<InstanceStatusReport['tasks']> {
  return {
    total: count(t, 'total'),
    waiting: count(t, 'waiting'),
    running: count(t, 'running'),
    succeeded: count(t, 'succeeded'),
    failed: count(t, 'failed'),
  };
}

const LEVELS: string[] = Object.values(LogLevel);

export function decodeLogBatch(raw: string | undefined): LogBatch {
  const o = parse(raw);
  expectKind(o, 'LogBatch');
  if (!Array.isArray(o.lines)) throw new MessageDecodeError(`field 'lines' must be a list`);
  if (o.lines.length > MESSAGE_LIMITS.maxListLength) {
    throw new MessageDecodeError(
      `field 'lines' has more than ${MESSAGE_LIMITS.maxListLength} lines (${o.lines.length})`,
    );
  }
  const lines: LogLine[] = o.lines.map((value, i) => {
    const l = obj(value, `lines[${i}]`);
    if (typeof l.level !== 'string' || !LEVELS.includes(l.level)) {
      throw new MessageDecodeError(`lines[${i}].level must be one of ${LEVELS.join(', ')}`);
    }
    try {
      return {
        instanceId: positiveId(l, 'instanceId'),
        time: epochMs(l, 'time'),
        level: l.level as LogLevel,
        message: str(l, 'message', MESSAGE_LIMITS.maxLongText),
      };
    } catch (err) {
      if (err instanceof MessageDecodeError) throw new MessageDecodeError(`lines[${i}]: ${err.message}`);
      throw err;
    }
  });
  return { kind: 'LogBatch', workerId: workerId(o), lines };
}

/** Flattens an ioredis field list (`[f1, v1, f2, v2]`) into a lookup of the message field. */
export function messageField(fields: string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === MESSAGE_FIELD) return fields[i + 1];
  return undefined;
}

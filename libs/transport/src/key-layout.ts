/**
 * Where every Redis key of one deployment lives. Every key carries a hash tag (the part in `{}`), so that on a
 * Redis Cluster no command touches two slots and the load spreads over the nodes:
 *
 * - `<prefix>:{sys}:...`: the system keys: leases, the servers' beats, the worker last-seen record, alarm rule versions, the
 *   dead-letter stream, and the server-owned BullMQ queues (trigger, dispatch, alarms) as their BullMQ prefix.
 * - `<prefix>:{s<lane>}:app:<appId>:<stream>`: an app's heartbeat, instance-status and log streams. The apps are
 *   spread over STREAM_LANES lanes (lane = appId mod STREAM_LANES); one lane is one slot, so a server reads every
 *   app of a lane with one blocking XREADGROUP, and needs at most one reader per lane, however many apps there are.
 * - `<prefix>:{w:<appId>:<workerId>}:jobnest-worker-<workerId>:...`: one worker's command queue (BullMQ prefix
 *   `<prefix>:{w:<appId>:<workerId>}`): a slot per worker, and the app in the key, so an ACL pattern can confine
 *   an app's workers to their own app's queues.
 *
 * A single Redis uses the same keys. The layout before this one (plain `<prefix>:stream:*`, `<prefix>:lease:*`,
 * queues under `<prefix>`) is described by LegacyKeys: servers still read what an older version left there.
 */
export const STREAM_LANES = 16;

/**
 * Most parts an app's status and log streams may be split into (app_info.stream_parts): part k of app A lives in
 * lane (A + k) mod STREAM_LANES, so the parts of one app sit in as many slots (and up to as many masters).
 */
export const MAX_STREAM_PARTS = STREAM_LANES;

/** An app's three streams. */
export interface AppStreams {
  heartbeats: string;
  instanceStatus: string;
  logs: string;
}

/** Which stream of an app a key is. */
export type AppStreamKind = keyof AppStreams;

/** A parsed app stream key. */
export interface AppStreamKey {
  appId: number;
  kind: AppStreamKind;
  /** 0 for the app's first (or only) part. */
  part: number;
}

/** Where a worker's command queue is: by app and worker id, or (appId null) under the legacy layout. */
export interface WorkerAddress {
  workerId: string;
  /** The worker's app; null for a worker of an older version, whose queue is still under the plain prefix. */
  appId: number | null;
}

const STREAM_SUFFIX: Record<AppStreamKind, string> = {
  heartbeats: 'heartbeats',
  instanceStatus: 'instance-status',
  logs: 'logs',
};
const KIND_BY_SUFFIX = new Map<string, AppStreamKind>(
  (Object.entries(STREAM_SUFFIX) as [AppStreamKind, string][]).map(([kind, suffix]) => [suffix, kind]),
);

export class KeyLayout {
  /** `<prefix>:{sys}`: BullMQ prefix of the server-owned queues, and the start of every system key. */
  readonly system: string;
  readonly legacy: LegacyKeys;
  private readonly streamPattern: RegExp;

  /** `prefix`: JOBNEST_PREFIX (letters, digits, `-`, `_`, `.`: no `{`, `}` or glob characters). */
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(`a key prefix is 1-64 letters, digits, '-', '_' or '.' (got '${prefix}')`);
    }
    this.system = `${prefix}:{sys}`;
    this.legacy = new LegacyKeys(prefix);
    this.streamPattern = new RegExp(`^${escapeRegExp(prefix)}:\\{s(\\d+)\\}:app:(\\d+):(?:p(\\d+):)?([a-z-]+)$`);
  }

  /** The lane (hash tag `{s<lane>}`) of part `part` of an app's streams. */
  static laneOf(appId: number, part = 0): number {
    return (appId + part) % STREAM_LANES;
  }

  /**
   * An app's streams, of part `part` (Default: 0). Heartbeats use part 0 only; status reports and log lines of a
   * worker go to its part (streamPartOf), when the app's streams are split (app_info.stream_parts > 1).
   */
  appStreams(appId: number, part = 0): AppStreams {
    const lane = KeyLayout.laneOf(appId, part);
    const base = `${this.prefix}:{s${lane}}:app:${appId}${part === 0 ? '' : `:p${part}`}`;
    return {
      heartbeats: `${base}:${STREAM_SUFFIX.heartbeats}`,
      instanceStatus: `${base}:${STREAM_SUFFIX.instanceStatus}`,
      logs: `${base}:${STREAM_SUFFIX.logs}`,
    };
  }

  /** The app and kind of an app stream key, or null for any other key (a legacy stream among them). */
  parseAppStream(key: string): AppStreamKey | null {
    const m = this.streamPattern.exec(key);
    if (!m) return null;
    const appId = Number(m[2]);
    const part = m[3] === undefined ? 0 : Number(m[3]);
    const kind = KIND_BY_SUFFIX.get(m[4]);
    if (kind === undefined || part < 0 || part >= MAX_STREAM_PARTS || (m[3] !== undefined && part === 0)) return null;
    if (Number(m[1]) !== KeyLayout.laneOf(appId, part)) return null;
    return { appId, kind, part };
  }

  /** Malformed, refused and poison report entries, with their error. */
  get deadLetter(): string {
    return `${this.system}:stream:dead-letter`;
  }

  /** A lease held by one server at a time (the reconciler). */
  lease(name: string): string {
    return `${this.system}:lease:${name}`;
  }

  /** Sorted set: server id -> its last beat (Redis clock, epoch ms); a server whose beat is old is dead. */
  get serverBeats(): string {
    return `${this.system}:servers:last-beat`;
  }

  /** Sorted set: worker -> last heartbeat any server saw. */
  get workersLastSeen(): string {
    return `${this.system}:workers:last-seen`;
  }

  /** Hash: alarm rule id -> version, read by every server to refresh its rule book. */
  get alarmRuleVersions(): string {
    return `${this.system}:alarm:rule-versions`;
  }

  /** BullMQ prefix of a worker's command queue. */
  workerQueuePrefix(address: WorkerAddress): string {
    if (address.appId === null) return this.prefix;
    return `${this.prefix}:{w:${address.appId}:${address.workerId}}`;
  }

  /**
   * ACL key patterns (for `ACL SETUSER ... ~pattern`) covering exactly what the workers of one app write and
   * read: the app's streams and its workers' command queues.
   */
  appKeyPatterns(appId: number): string[] {
    // Any lane: the app's parts sit in several (the rest of the key names the app, and no key holds another `}`).
    return [`${this.prefix}:{s*}:app:${appId}:*`, `${this.prefix}:{w:${appId}:*`];
  }
}

/**
 * The keys of the layout before hash tags (one shared stream of each kind for every app). A server on a single
 * Redis reads these streams too, so what workers of an older version report during an upgrade is not lost; a
 * worker whose heartbeats do not announce WORKER_FEATURES.appKeys still gets its commands under the plain prefix.
 */
export class LegacyKeys {
  /** The three streams every app shared. */
  readonly streams: AppStreams;

  constructor(private readonly prefix: string) {
    this.streams = {
      heartbeats: `${prefix}:stream:${STREAM_SUFFIX.heartbeats}`,
      instanceStatus: `${prefix}:stream:${STREAM_SUFFIX.instanceStatus}`,
      logs: `${prefix}:stream:${STREAM_SUFFIX.logs}`,
    };
  }

  get deadLetter(): string {
    return `${this.prefix}:stream:dead-letter`;
  }

  get workersLastSeen(): string {
    return `${this.prefix}:workers:last-seen`;
  }

  get alarmRuleVersions(): string {
    return `${this.prefix}:alarm:rule-versions`;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The part of an app's status and log streams a worker writes to: a stable hash of its id (FNV-1a) modulo the
 * app's part count, so a worker's reports stay in order on one stream and the workers spread over the parts.
 */
export function streamPartOf(workerId: string, parts: number): number {
  if (parts <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < workerId.length; i++) {
    hash ^= workerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % parts;
}

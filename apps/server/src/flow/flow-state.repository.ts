import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, HoldReason, InstanceStatus } from '@jobnest/common';
import type { RunCommandSource } from '../dispatch/run-command-source';
import { clipReason } from '../instances/state/status-reason';
import type { KeyState } from './admission-book';

/** What a release reads of a job: each concurrency key's counts, and its unfinished instances not held. */
export interface RunningFlowState {
  keys: Map<string, KeyState>;
  /** Over all keys; for a release of some keys only 1 (any runs) or 0 (see readRunning). */
  running: number;
}

/** What a launch reads of a job: a release's state, and the slots its overlap policy buffers. */
export interface JobFlowState extends RunningFlowState {
  /** Instances buffered by the overlap policy. */
  buffered: number;
}

/** A held instance that may be let through, as the candidates query returns it. */
export interface WaitingInstance {
  id: number;
  key: string;
  heldBy: HoldReason;
  priority: number;
  /** Its status reason as stored. */
  reason: string | null;
  /** What its RunInstance carries, when the query read it (see `waiting`). */
  run?: RunColumns;
}

/** What a RunInstance carries of an instance row, and its run count as read. */
type RunColumns = RunCommandSource & { runningTimes: number };

/** The columns a RunInstance carries of an instance row (`i`), as the driver returns them (BIGINT may be a string). */
const RUN_COLUMNS = `i.id AS runId, i.running_times AS runningTimes, i.instance_params AS instanceParams,
  i.job_params_override AS jobParamsOverride, i.time_limit_override_ms AS timeLimitOverrideMs,
  i.resume_next AS resumeNext, i.wf_instance_id AS wfInstanceId, i.wf_node_id AS wfNodeId, i.wf_context AS wfContext`;

interface RawRunColumns {
  runId: number | string;
  runningTimes: number | string;
  instanceParams: string | null;
  jobParamsOverride: string | null;
  timeLimitOverrideMs: number | string | null;
  resumeNext: number | string | boolean;
  wfInstanceId: number | string | null;
  wfNodeId: string | null;
  wfContext: string | null;
}

function runColumnsOf(r: RawRunColumns): RunColumns {
  return {
    id: Number(r.runId),
    runningTimes: Number(r.runningTimes),
    instanceParams: r.instanceParams,
    jobParamsOverride: r.jobParamsOverride,
    timeLimitOverrideMs: r.timeLimitOverrideMs === null ? null : Number(r.timeLimitOverrideMs),
    resumeNext: Boolean(Number(r.resumeNext)),
    wfInstanceId: r.wfInstanceId === null ? null : Number(r.wfInstanceId),
    wfNodeId: r.wfNodeId,
    wfContext: r.wfContext,
  };
}

/** How long after being let through an instance may be dispatched and still be found by the rate window's read. */
const DISPATCH_SLACK_MS = 60_000;

/** The counts of `key` in `state`, created at zero. */
function keyOf(state: Pick<RunningFlowState, 'keys'>, key: string): KeyState {
  let counts = state.keys.get(key);
  if (!counts) state.keys.set(key, (counts = { running: 0, waiting: 0, recentStarts: [] }));
  return counts;
}

/** An instance let through and dispatched: what `DispatcherService.sendRun` reads of it, and where it goes. */
export type AdmittedRun = RunColumns & { workerId: string };

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * The flow-control reads and writes of `instance_info`, inside a transaction whose caller holds the jobs' row
 * locks (so no other server decides on the same job meanwhile). Instances of a job under flow control carry a
 * `flow_key` ('' for none); `held_by` says what holds a waiting one; `admitted_time` when it was let through.
 */
@Injectable()
export class FlowStateRepository {
  /**
   * The flow state of each job (two statements at most: the grouped counts, and the starts within the longest rate
   * window when some job has a rate limit). `rateWindowMs`: per job, 0 when it has no rate limit. Held rows are
   * counted while WAITING_DISPATCH only.
   */
  async read(
    tx: EntityManager,
    jobIds: readonly number[],
    rateWindowMs: ReadonlyMap<number, number>,
    now: number,
  ): Promise<Map<number, JobFlowState>> {
    const states = new Map<number, JobFlowState>();
    if (jobIds.length === 0) return states;
    for (const id of jobIds) states.set(id, { keys: new Map(), running: 0, buffered: 0 });
    // Only instances launched under flow control count (flow_key set); among those not held, a row never let through
    // (a delayed run not yet due, a user retry on its way to the gate) is neither running nor waiting. Buffered
    // slots (OVERLAP) are counted apart: they wait for the whole job, not for their key. One statement, each part a
    // range of the flow index grouped in its order (one grouping over all of them would sort every active row).
    const jobs = placeholders(jobIds.length);
    const heldPart = `SELECT job_id AS jobId, flow_key AS flowKey, held_by AS heldBy, COUNT(*) AS n FROM instance_info
        WHERE job_id IN (${jobs}) AND status = ? AND held_by = ? GROUP BY job_id, flow_key`;
    const counts = (await tx.query(
      `SELECT job_id AS jobId, flow_key AS flowKey, NULL AS heldBy, COUNT(*) AS n FROM instance_info
        WHERE job_id IN (${jobs}) AND status IN (${placeholders(ACTIVE_INSTANCE_STATUSES.length)})
          AND held_by IS NULL AND admitted_time IS NOT NULL AND flow_key IS NOT NULL
        GROUP BY job_id, flow_key
       UNION ALL ${heldPart} UNION ALL ${heldPart} UNION ALL ${heldPart}`,
      [
        ...jobIds,
        ...ACTIVE_INSTANCE_STATUSES,
        ...[HoldReason.CONCURRENCY, HoldReason.RATE_LIMIT, HoldReason.OVERLAP].flatMap((reason) => [
          ...jobIds,
          InstanceStatus.WAITING_DISPATCH,
          reason,
        ]),
      ],
    )) as { jobId: number | string; flowKey: string; heldBy: HoldReason | null; n: number | string }[];
    for (const row of counts) {
      const state = states.get(Number(row.jobId))!;
      const n = Number(row.n);
      if (row.heldBy === HoldReason.OVERLAP) state.buffered += n;
      else if (row.heldBy !== null) keyOf(state, row.flowKey).waiting += n;
      else {
        keyOf(state, row.flowKey).running += n;
        state.running += n;
      }
    }
    await this.readRecentStarts(tx, states, rateWindowMs, now);
    return states;
  }

  /**
   * What a release needs of a job's flow state: the instances not held, per key, and the recent starts when it has a
   * rate limit (`rateWindowMs` > 0). Waiting instances are not counted (the candidates query finds them), so only the
   * unfinished rows not held are read. `keys`: only those keys' counts, and `running` is then 1 when any instance of
   * the job runs, else 0 (all a release of some keys needs of the others: whether a buffered slot may start); every
   * key's otherwise. One statement (two with a rate limit).
   */
  async readRunning(
    tx: EntityManager,
    jobId: number,
    rateWindowMs: number,
    now: number,
    keys?: readonly string[],
  ): Promise<RunningFlowState> {
    const state: RunningFlowState = { keys: new Map(), running: 0 };
    const running = `FROM instance_info FORCE INDEX (idx_instance_job_flow)
        WHERE job_id = ? AND status IN (${placeholders(ACTIVE_INSTANCE_STATUSES.length)}) AND held_by IS NULL
          AND admitted_time IS NOT NULL AND flow_key IS NOT NULL`;
    const runningParams = [jobId, ...ACTIVE_INSTANCE_STATUSES];
    const counts = (
      keys === undefined
        ? await tx.query(`SELECT flow_key AS flowKey, COUNT(*) AS n ${running} GROUP BY flow_key`, runningParams)
        : await tx.query(
            // The keys' ranges of the flow index, and one row of any other key (NULL key): a long-running job's
            // thousand other unfinished instances are not read.
            `(SELECT flow_key AS flowKey, COUNT(*) AS n ${running}${
              keys.length > 0 ? ` AND flow_key IN (${placeholders(keys.length)})` : ' AND FALSE'
            } GROUP BY flow_key)
             UNION ALL (SELECT NULL, 1 ${running} LIMIT 1)`,
            [...runningParams, ...keys, ...runningParams],
          )
    ) as { flowKey: string | null; n: number | string }[];
    for (const row of counts) {
      if (row.flowKey === null) state.running = Math.max(state.running, 1);
      else {
        keyOf(state, row.flowKey).running += Number(row.n);
        if (keys === undefined) state.running += Number(row.n);
      }
    }
    await this.readRecentStarts(tx, new Map([[jobId, state]]), new Map([[jobId, rateWindowMs]]), now);
    return state;
  }

  /** Adds each rate-limited job's starts within its window (one statement for all of them, none without). */
  private async readRecentStarts(
    tx: EntityManager,
    states: ReadonlyMap<number, Pick<RunningFlowState, 'keys'>>,
    rateWindowMs: ReadonlyMap<number, number>,
    now: number,
  ): Promise<void> {
    const rated = [...states.keys()].filter((id) => (rateWindowMs.get(id) ?? 0) > 0);
    if (rated.length > 0) {
      const since = now - Math.max(...rated.map((id) => rateWindowMs.get(id)!));
      // A start counts from its dispatch (actual_trigger_time) once dispatched, else from when it was let through:
      // the time a worker can start it is what the limit spreads. Dispatched late, a row let through before the
      // window may still count in it: a minute of slack on the indexed column finds those.
      const starts = (await tx.query(
        `SELECT job_id AS jobId, COALESCE(flow_key, '') AS flowKey,
                GREATEST(admitted_time, COALESCE(actual_trigger_time, admitted_time)) AS startedAt
           FROM instance_info WHERE job_id IN (${placeholders(rated.length)}) AND admitted_time > ?`,
        [...rated, since - DISPATCH_SLACK_MS],
      )) as { jobId: number | string; flowKey: string; startedAt: number | string }[];
      for (const row of starts) {
        const startedAt = Number(row.startedAt);
        if (startedAt > since) keyOf(states.get(Number(row.jobId))!, row.flowKey).recentStarts.push(startedAt);
      }
    }
  }

  /**
   * The held instances of a job that are due, of the concurrency keys `keys` (`only` those, or every key `except`
   * those a limit holds now) and, `withBuffered`, its buffered slots; at most `perKey` of each key (and of the
   * buffered ones), in the order they should start: priority (higher first), then id. One statement on the flow index
   * (the held rows' range, or the keys' ranges); a full key's backlog is left out, and does not hide the other keys'
   * instances. `withRun`: each row's RunInstance columns too, so that admit() need not read them back (for a release
   * of the keys that got room, where nearly every candidate is let through; a release of every key reads many more
   * candidates than it lets through).
   */
  async waiting(
    tx: EntityManager,
    jobId: number,
    keys: { only: readonly string[] } | { except: readonly string[] },
    withBuffered: boolean,
    perKey: number,
    now: number,
    withRun = false,
  ): Promise<WaitingInstance[]> {
    const listed = 'only' in keys ? keys.only : keys.except;
    if ('only' in keys && listed.length === 0 && !withBuffered) return [];
    const keyFilter =
      'only' in keys
        ? listed.length > 0
          ? ` AND flow_key IN (${placeholders(listed.length)})`
          : ' AND FALSE'
        : listed.length > 0
          ? ` AND flow_key NOT IN (${placeholders(listed.length)})`
          : '';
    const rows = (await tx.query(
      // The ranking reads the flow index only; the reasons are read for the rows it keeps.
      `SELECT w.id, w.flowKey, w.heldBy, w.priority, i.status_reason AS reason${withRun ? `, ${RUN_COLUMNS}` : ''} FROM (
         SELECT id, flow_key AS flowKey, held_by AS heldBy, priority,
                ROW_NUMBER() OVER (PARTITION BY flow_key, held_by = ? ORDER BY priority DESC, id) AS place
           FROM instance_info
          WHERE job_id = ? AND status = ? AND expected_trigger_time <= ?
            AND ((held_by IN (?, ?)${keyFilter}) OR (? AND held_by = ?))
       ) w JOIN instance_info i ON i.id = w.id
       WHERE w.place <= ? ORDER BY w.priority DESC, w.id`,
      [
        HoldReason.OVERLAP,
        jobId,
        InstanceStatus.WAITING_DISPATCH,
        now,
        HoldReason.CONCURRENCY,
        HoldReason.RATE_LIMIT,
        ...listed,
        withBuffered ? 1 : 0,
        HoldReason.OVERLAP,
        perKey,
      ],
    )) as ({
      id: number | string;
      flowKey: string;
      heldBy: HoldReason;
      priority: number | string;
      reason: string | null;
    } & Partial<RawRunColumns>)[];
    return rows.map((r) => ({
      id: Number(r.id),
      key: r.flowKey,
      heldBy: r.heldBy,
      priority: Number(r.priority),
      reason: r.reason,
      ...(withRun ? { run: runColumnsOf(r as RawRunColumns) } : {}),
    }));
  }

  /**
   * Lets the instances through: those with a worker are dispatched to it in the same statement (run + 1,
   * WAITING_WORKER_RECEIVE), those without (null) are only no longer held. One UPDATE per kind; the dispatched rows,
   * which the caller sends RunInstance for after COMMIT, come from `known` (the candidates as read, with their run
   * columns) when the UPDATE changed every one of them, else from one read of the rows as written. A row that changed
   * meanwhile (a user cancel) is left as it is and not returned.
   */
  async admit(
    tx: EntityManager,
    workers: ReadonlyMap<number, string | null>,
    now: number,
    known: ReadonlyMap<number, WaitingInstance> = new Map(),
  ): Promise<AdmittedRun[]> {
    const toWorker = [...workers].filter((e): e is [number, string] => e[1] !== null);
    const undispatched = [...workers].filter(([, w]) => w === null).map(([id]) => id);
    if (undispatched.length > 0) {
      await tx.query(
        // status_time = now: the no-worker grace counts from here, not from the launch (held time is not waiting).
        `UPDATE instance_info SET held_by = NULL, status_reason = NULL, admitted_time = ?, status_time = ?
          WHERE id IN (${placeholders(undispatched.length)}) AND status = ? AND held_by IS NOT NULL`,
        [now, now, ...undispatched, InstanceStatus.WAITING_DISPATCH],
      );
    }
    if (toWorker.length === 0) return [];
    const ids = toWorker.map(([id]) => id);
    const written = (await tx.query(
      `UPDATE instance_info
          SET held_by = NULL, status_reason = NULL, admitted_time = ?, status = ?, status_time = ?,
              worker_id = CASE id ${toWorker.map(() => 'WHEN ? THEN ?').join(' ')} END,
              running_times = running_times + 1, actual_trigger_time = COALESCE(actual_trigger_time, ?),
              waiting_for_worker = 0, resume_next = 0
        WHERE id IN (${placeholders(ids.length)}) AND status = ? AND held_by IS NOT NULL`,
      [
        now,
        InstanceStatus.WAITING_WORKER_RECEIVE,
        now,
        ...toWorker.flat(),
        now,
        ...ids,
        InstanceStatus.WAITING_DISPATCH,
      ],
    )) as { affectedRows: number };
    // Every row changed, and as read under the job's lock (the only one that lets its rows through): the columns
    // read with the candidates are the rows' own, the run count one more.
    if (written.affectedRows === ids.length && toWorker.every(([id]) => known.get(id)?.run !== undefined)) {
      return toWorker.map(([id, workerId]) => {
        const run = known.get(id)!.run!;
        return { ...run, resumeNext: false, runningTimes: run.runningTimes + 1, workerId };
      });
    }
    // The UPDATE locked the rows: a plain read sees them as written. Only what RunInstance carries, mapped here (an
    // entity read would hydrate every row through TypeORM on the event loop that sends them).
    const rows = (await tx.query(
      `SELECT ${RUN_COLUMNS}, worker_id AS workerId
         FROM instance_info i WHERE id IN (${placeholders(ids.length)}) AND status = ? AND admitted_time = ?`,
      [...ids, InstanceStatus.WAITING_WORKER_RECEIVE, now],
    )) as (RawRunColumns & { workerId: string })[];
    return rows.map((r) => ({ ...runColumnsOf(r), workerId: r.workerId }));
  }

  /**
   * Says what holds these waiting instances now, for those whose hold or reason changed (one statement, a CASE by
   * id; none when nothing changed, the usual case once a key's waiting instances have been described).
   */
  async describe(
    tx: EntityManager,
    held: readonly { waiting: WaitingInstance; heldBy: HoldReason; reason: string }[],
  ): Promise<void> {
    const changed = held
      .map((h) => ({ id: h.waiting.id, heldBy: h.heldBy, reason: clipReason(h.reason), was: h.waiting }))
      .filter((h) => h.heldBy !== h.was.heldBy || h.reason !== h.was.reason);
    if (changed.length === 0) return;
    await tx.query(
      `UPDATE instance_info
          SET held_by = CASE id ${changed.map(() => 'WHEN ? THEN ?').join(' ')} END,
              status_reason = CASE id ${changed.map(() => 'WHEN ? THEN ?').join(' ')} END
        WHERE id IN (${placeholders(changed.length)}) AND status = ? AND held_by IS NOT NULL`,
      [
        ...changed.flatMap((h) => [h.id, h.heldBy]),
        ...changed.flatMap((h) => [h.id, h.reason]),
        ...changed.map((h) => h.id),
        InstanceStatus.WAITING_DISPATCH,
      ],
    );
  }

  /**
   * Whether the job has held instances that are due: of the concurrency keys `keys`, or buffered slots, when given;
   * of any key otherwise (one read of the flow index).
   */
  async hasDueWaiting(tx: EntityManager, jobId: number, now: number, keys?: readonly string[]): Promise<boolean> {
    const ofKeys =
      keys === undefined
        ? ''
        : ` AND (held_by = ?${keys.length > 0 ? ` OR flow_key IN (${placeholders(keys.length)})` : ''})`;
    const rows = (await tx.query(
      `SELECT 1 AS held FROM instance_info
        WHERE job_id = ? AND status = ? AND held_by IS NOT NULL AND expected_trigger_time <= ?${ofKeys} LIMIT 1`,
      [jobId, InstanceStatus.WAITING_DISPATCH, now, ...(keys === undefined ? [] : [HoldReason.OVERLAP, ...keys])],
    )) as unknown[];
    return rows.length > 0;
  }

  /** The job and concurrency key of an instance launched under flow control (null: none such, or no such instance). */
  async flowJobOfInstance(tx: EntityManager, instanceId: number): Promise<{ jobId: number; key: string } | null> {
    const [row] = (await tx.query('SELECT job_id AS jobId, flow_key AS flowKey FROM instance_info WHERE id = ?', [
      instanceId,
    ])) as { jobId: number | string; flowKey: string | null }[];
    return row && row.flowKey !== null ? { jobId: Number(row.jobId), key: row.flowKey } : null;
  }

  /**
   * Ids of jobs with held instances that are due, above `afterJobId` in id order, at most `limit` (the reconciler's
   * safety net walks them in turns, so that every such job gets its release however many there are).
   */
  async jobsWithDueWaiting(tx: EntityManager, now: number, limit: number, afterJobId = 0): Promise<number[]> {
    const rows = (await tx.query(
      // The waiting rows' range: ordered by job, the flow index would be walked through every job's history.
      `SELECT DISTINCT job_id AS jobId FROM instance_info FORCE INDEX (idx_instance_status_expected)
        WHERE status = ? AND held_by IS NOT NULL AND expected_trigger_time <= ? AND job_id > ?
        ORDER BY job_id LIMIT ${Math.floor(limit)}`,
      [InstanceStatus.WAITING_DISPATCH, now, afterJobId],
    )) as { jobId: number | string }[];
    return rows.map((r) => Number(r.jobId));
  }
}

import { errorMessage, FINAL_INSTANCE_STATUSES, isTransientError, type TaskCounts, TaskStatus } from '@jobnest/common';
import type { DataSource } from 'typeorm';
import { isLockConflict } from '../mysql-errors';

/** Rows per multi-row INSERT (MariaDB takes ~160k rows/s at 1000 per statement on the benchmark machine). */
const INSERT_CHUNK = 1000;
const DELETE_CHUNK = 10_000;
/** Rows one retention DELETE removes at most: short statements hold row locks briefly, keep binlog entries small. */
const PURGE_CHUNK = 1000;
export const ROOT_MAP_KEY = 'root';

export interface WaitingTask {
  id: number;
  taskName: string;
  payload: string | null;
  failures: number;
  isRoot: boolean;
}

/** What one ctx.map() stored. */
export interface InsertedSubtasks {
  /** Rows that were new (a replayed map inserts none). */
  inserted: number;
  /** Id of the first new row (0 when none was new): the TaskTracker reads again from there if it already read past it. */
  firstId: number;
}

/** How one result changes its row. */
export interface TaskOutcomeRow {
  id: number;
  status: TaskStatus.SUCCEEDED | TaskStatus.FAILED | TaskStatus.WAITING_DISPATCH;
  result: string | null;
  /** The task's failed runs with this one: a value, not an increment, so a statement replayed after a lost connection counts once. */
  failures: number;
}

export interface StoredResult {
  id: number;
  taskName: string;
  status: TaskStatus;
  result: string | null;
}

/** A task row as the API lists it (everything but its keys into the tracker's bookkeeping). */
export interface ListedTask {
  id: number;
  parentId: number | null;
  taskName: string;
  status: TaskStatus;
  workerId: string | null;
  attempt: number;
  failures: number;
  payload: string | null;
  result: string | null;
  createdTime: number;
  updatedTime: number;
}

/** One page of an instance's tasks, and how many match in all. */
export interface TaskPage {
  rows: ListedTask[];
  total: number;
}

type Row = Record<string, unknown>;

/** Where the store reports an outage and its end (a Nest Logger fits). */
export interface TaskStoreLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** InnoDB gives up one of two statements that lock the same index pages in opposite orders; retrying it is safe. */
/** Pause before the next try while MySQL is unreachable: doubling from the first, up to the last. */
const OUTAGE_FIRST_PAUSE_MS = 100;
const OUTAGE_MAX_PAUSE_MS = 2000;

/** Task counts of one worker within an instance (`workerId` null: not taken by any worker yet). */
export interface WorkerTaskCounts extends TaskCounts {
  workerId: string | null;
}

function emptyTaskCounts(): TaskCounts {
  return { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 };
}

/** Adds `n` tasks of `status` to the counts: DISPATCHED counts as running. */
function addToCounts(counts: TaskCounts, status: TaskStatus, n: number): void {
  counts.total += n;
  if (status === TaskStatus.WAITING_DISPATCH) counts.waiting += n;
  else if (status === TaskStatus.SUCCEEDED) counts.succeeded += n;
  else if (status === TaskStatus.FAILED) counts.failed += n;
  else counts.running += n;
}

/**
 * Every SQL statement on the `task` table, each one for a whole batch: multi-row INSERTs, UPDATE ... WHERE id IN,
 * CASE updates for results. Nothing here writes one row per statement on the hot path, and a subtask's row is
 * written twice in all: its INSERT and its result (dispatch is not written, see docs/ARCHITECTURE.md). Reads of waiting tasks use
 * the (instance_id, status, id) index from a cursor, so neither finished nor already-read rows are scanned again.
 */
export class TaskStore {
  /** When this store first failed to reach MySQL in the current outage (undefined while it answers). */
  private outageSince: number | undefined;
  /** The condition a worker's store adds after `instance_id = ?`, and its parameter (see appId). */
  private readonly app: { and: string; params: readonly number[] };

  /**
   * `retryWindowMs`: how long a statement is tried again while MySQL is unreachable or restarting (connection
   * refused or lost, server gone away, a deadlock) before the error reaches the run. Every statement here may run
   * twice: INSERT IGNORE on the map key, UPDATEs conditional on the status they move from, absolute values.
   */
  /**
   * `appId`: the app a worker's store is confined to: every statement filters on `app_id` (and inserts set it), so
   * a worker can be given a MySQL user granted this table alone and still never reads or moves another app's rows.
   * Rows of app 0 are seen by every app: workers of the version before the column write them, and a run they began
   * must stay whole when a newer worker takes it over. `null` (the server's store): every app. (Default: null)
   */
  constructor(
    private readonly db: DataSource,
    private readonly retryWindowMs: number,
    private readonly logger: TaskStoreLogger,
    private readonly appId: number | null = null,
  ) {
    this.app = appId === null ? { and: '', params: [] } : { and: ' AND app_id IN (0, ?)', params: [appId] };
  }

  /**
   * One statement, tried again on a transient error: a deadlock victim at once (concurrent map INSERTs and result
   * UPDATEs), a lost or refused connection with a growing pause, within the retry window. The run waits meanwhile;
   * what it holds in memory (results not stored yet) stays there.
   */
  private async exec(sql: string, params: unknown[]): Promise<unknown> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.query(sql, params);
        if (this.outageSince !== undefined) {
          this.logger.log(`MySQL answers again after ${Date.now() - this.outageSince} ms`);
          this.outageSince = undefined;
        }
        return result;
      } catch (err) {
        if (!isTransientError(err) || Date.now() - started >= this.retryWindowMs) throw err;
        const lockConflict = isLockConflict(err);
        if (!lockConflict && this.outageSince === undefined) {
          this.outageSince = Date.now();
          this.logger.warn(`MySQL unreachable, retrying for up to ${this.retryWindowMs} ms: ${errorMessage(err)}`);
        }
        const pause = lockConflict
          ? 5 * attempt + Math.random() * 20
          : Math.min(OUTAGE_MAX_PAUSE_MS, OUTAGE_FIRST_PAUSE_MS * 2 ** Math.min(attempt - 1, 10));
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  /** Removes the rows of an earlier run (a fresh run of an instance starts over). */
  async deleteInstance(instanceId: number): Promise<void> {
    for (;;) {
      const { and, params } = this.app;
      const r = (await this.exec(`DELETE FROM task WHERE instance_id = ?${and} LIMIT ${DELETE_CHUNK}`, [
        instanceId,
        ...params,
      ])) as {
        affectedRows?: number;
      };
      if ((r.affectedRows ?? 0) < DELETE_CHUNK) return;
    }
  }

  async insertRoot(instanceId: number, taskName: string, now: number): Promise<void> {
    await this.exec(
      `INSERT IGNORE INTO task (instance_id, app_id, parent_id, map_key, task_name, payload, status, created_time, updated_time)
       VALUES (?, ?, NULL, ?, ?, NULL, ?, ?, ?)`,
      [instanceId, this.appId ?? 0, ROOT_MAP_KEY, taskName, TaskStatus.WAITING_DISPATCH, now, now],
    );
  }

  /**
   * Stores mapped items as WAITING_DISPATCH subtasks; the map key (parent, call, index) makes a replayed map a
   * no-op. Says how many rows were new and where they start.
   */
  async insertSubtasks(
    instanceId: number,
    parentId: number | null,
    keyPrefix: string,
    taskName: string,
    payloads: string[],
    now: number,
  ): Promise<InsertedSubtasks> {
    let inserted = 0;
    let firstId = 0;
    for (let start = 0; start < payloads.length; start += INSERT_CHUNK) {
      const chunk = payloads.slice(start, start + INSERT_CHUNK);
      const values: unknown[] = [];
      for (let i = 0; i < chunk.length; i++) {
        values.push(
          instanceId,
          this.appId ?? 0,
          parentId,
          `${keyPrefix}:${start + i}`,
          taskName,
          chunk[i],
          TaskStatus.WAITING_DISPATCH,
          now,
          now,
        );
      }
      const r = (await this.exec(
        `INSERT IGNORE INTO task (instance_id, app_id, parent_id, map_key, task_name, payload, status, created_time, updated_time)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      )) as { affectedRows?: number; insertId?: number };
      inserted += r.affectedRows ?? 0;
      // insertId is the first id this statement generated (chunks run in order, so the first non-zero is the lowest).
      if (firstId === 0 && (r.affectedRows ?? 0) > 0) firstId = Number(r.insertId ?? 0);
    }
    return { inserted, firstId };
  }

  /** Up to `limit` waiting tasks with ids above `afterId`, by id: a range of the status index, whatever is finished. */
  async fetchWaiting(instanceId: number, afterId: number, limit: number): Promise<WaitingTask[]> {
    const { and, params } = this.app;
    const rows = (await this.exec(
      `SELECT id, task_name, payload, failures, map_key FROM task FORCE INDEX (idx_task_instance_status)
        WHERE instance_id = ?${and} AND status = ? AND id > ? ORDER BY id LIMIT ?`,
      [instanceId, ...params, TaskStatus.WAITING_DISPATCH, afterId, limit],
    )) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      taskName: String(r.task_name),
      payload: r.payload === null ? null : String(r.payload),
      failures: Number(r.failures),
      isRoot: r.map_key === ROOT_MAP_KEY,
    }));
  }

  /**
   * WAITING_DISPATCH -> DISPATCHED on `workerId`. Only broadcast tasks are marked: a takeover must know which of them
   * may have run (they must not run twice on one host). Subtasks of Map / MapReduce stay WAITING_DISPATCH in MySQL
   * while they run; their TaskTracker holds the in-flight state, and a takeover runs them again.
   */
  async markDispatched(instanceId: number, ids: number[], workerId: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    const { and, params } = this.app;
    await this.exec(
      `UPDATE task SET status = ?, worker_id = ?, updated_time = ?
        WHERE instance_id = ?${and} AND id IN (?) AND status = ?`,
      [TaskStatus.DISPATCHED, workerId, now, instanceId, ...params, ids, TaskStatus.WAITING_DISPATCH],
    );
  }

  /**
   * Applies a batch of results of one worker in one CASE update, to rows still unfinished (statuses move forward
   * only). `attempt` counts the runs reported (a statement replayed after a lost connection may count one twice).
   */
  async applyOutcomes(instanceId: number, rows: TaskOutcomeRow[], workerId: string, now: number): Promise<void> {
    if (rows.length === 0) return;
    const whenThen = rows.map(() => 'WHEN ? THEN ?').join(' ');
    const params: unknown[] = [];
    for (const r of rows) params.push(r.id, r.status);
    for (const r of rows) params.push(r.id, r.result);
    for (const r of rows) params.push(r.id, r.failures);
    const app = this.app;
    params.push(
      workerId,
      now,
      instanceId,
      ...app.params,
      rows.map((r) => r.id),
    );
    params.push([TaskStatus.WAITING_DISPATCH, TaskStatus.DISPATCHED]);
    await this.exec(
      `UPDATE task SET status = CASE id ${whenThen} END, result = CASE id ${whenThen} END,
         failures = CASE id ${whenThen} END, attempt = attempt + 1, worker_id = ?, updated_time = ?
        WHERE instance_id = ?${app.and} AND id IN (?) AND status IN (?)`,
      params,
    );
  }

  /**
   * Waiting or dispatched tasks -> FAILED with a reason (broadcast tasks of a worker that died: never run twice
   * on one host).
   */
  async fail(instanceId: number, ids: number[], reason: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    const { and, params } = this.app;
    await this.exec(
      `UPDATE task SET status = ?, result = ?, failures = failures + 1, updated_time = ?
        WHERE instance_id = ?${and} AND id IN (?) AND status IN (?)`,
      [
        TaskStatus.FAILED,
        reason,
        now,
        instanceId,
        ...params,
        ids,
        [TaskStatus.WAITING_DISPATCH, TaskStatus.DISPATCHED],
      ],
    );
  }

  /** Takeover of a broadcast: what the dead TaskTracker had dispatched may have run; it fails rather than run twice. */
  async failInFlight(instanceId: number, reason: string, now: number): Promise<void> {
    const { and, params } = this.app;
    await this.exec(
      `UPDATE task SET status = ?, result = ?, updated_time = ? WHERE instance_id = ?${and} AND status = ?`,
      [TaskStatus.FAILED, reason, now, instanceId, ...params, TaskStatus.DISPATCHED],
    );
  }

  /** Takeover: tasks the dead TaskTracker had dispatched go back to waiting (their results went to it). */
  async resetInFlight(instanceId: number, now: number): Promise<void> {
    const { and, params } = this.app;
    await this.exec(
      `UPDATE task SET status = ?, worker_id = NULL, updated_time = ? WHERE instance_id = ?${and} AND status = ?`,
      [TaskStatus.WAITING_DISPATCH, now, instanceId, ...params, TaskStatus.DISPATCHED],
    );
  }

  /** Stop or time limit: every unfinished task ends FAILED with the reason. */
  async failUnfinished(instanceId: number, reason: string, now: number): Promise<void> {
    const { and, params } = this.app;
    await this.exec(
      `UPDATE task SET status = ?, result = ?, updated_time = ? WHERE instance_id = ?${and} AND status IN (?)`,
      [TaskStatus.FAILED, reason, now, instanceId, ...params, [TaskStatus.WAITING_DISPATCH, TaskStatus.DISPATCHED]],
    );
  }

  /** Which of `ids` are still unfinished (a takeover adopts only those; the others' results are stored already). */
  async unfinishedIds(instanceId: number, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const { and, params } = this.app;
    const rows = (await this.exec(`SELECT id FROM task WHERE instance_id = ?${and} AND id IN (?) AND status IN (?)`, [
      instanceId,
      ...params,
      ids,
      [TaskStatus.WAITING_DISPATCH, TaskStatus.DISPATCHED],
    ])) as Row[];
    return new Set(rows.map((r) => Number(r.id)));
  }

  async counts(instanceId: number): Promise<TaskCounts> {
    const { and, params } = this.app;
    const rows = (await this.exec(
      `SELECT status, COUNT(*) AS n FROM task FORCE INDEX (idx_task_instance_status)
        WHERE instance_id = ?${and} GROUP BY status`,
      [instanceId, ...params],
    )) as Row[];
    const counts = emptyTaskCounts();
    for (const r of rows) addToCounts(counts, r.status as TaskStatus, Number(r.n));
    return counts;
  }

  /**
   * The instance's task counts per worker that ran (or runs) them, by worker id; tasks no worker took yet are under
   * `workerId` null. One grouped query over the instance's rows.
   */
  async countsByWorker(instanceId: number): Promise<WorkerTaskCounts[]> {
    const { and, params } = this.app;
    const rows = (await this.exec(
      `SELECT worker_id, status, COUNT(*) AS n FROM task WHERE instance_id = ?${and} GROUP BY worker_id, status`,
      [instanceId, ...params],
    )) as Row[];
    const byWorker = new Map<string | null, WorkerTaskCounts>();
    for (const r of rows) {
      const workerId = r.worker_id === null ? null : String(r.worker_id);
      let entry = byWorker.get(workerId);
      if (!entry) byWorker.set(workerId, (entry = { workerId, ...emptyTaskCounts() }));
      addToCounts(entry, r.status as TaskStatus, Number(r.n));
    }
    return [...byWorker.values()].sort((a, b) => (a.workerId ?? '').localeCompare(b.workerId ?? ''));
  }

  /** One page of finished non-root tasks after `afterId`, by id. */
  async resultsPage(instanceId: number, afterId: number, limit: number): Promise<StoredResult[]> {
    const { and, params } = this.app;
    const rows = (await this.exec(
      `SELECT id, task_name, status, result FROM task
        WHERE instance_id = ?${and} AND id > ? AND map_key <> ? ORDER BY id LIMIT ?`,
      [instanceId, ...params, afterId, ROOT_MAP_KEY, limit],
    )) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      taskName: String(r.task_name),
      status: r.status as TaskStatus,
      result: r.result === null ? null : String(r.result),
    }));
  }

  /** One page of an instance's tasks by id (`status` filters when given), with the number of matching rows. */
  async page(instanceId: number, status: TaskStatus | undefined, offset: number, limit: number): Promise<TaskPage> {
    const { and, params } = this.app;
    const where = status === undefined ? `instance_id = ?${and}` : `instance_id = ?${and} AND status = ?`;
    const filter: unknown[] = status === undefined ? [instanceId, ...params] : [instanceId, ...params, status];
    const rows = (await this.exec(
      `SELECT id, parent_id, task_name, status, worker_id, attempt, failures, payload, result, created_time, updated_time
         FROM task WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`,
      [...filter, limit, offset],
    )) as Row[];
    const [count] = (await this.exec(`SELECT COUNT(*) AS n FROM task WHERE ${where}`, filter)) as Row[];
    return {
      rows: rows.map((r) => ({
        id: Number(r.id),
        parentId: r.parent_id === null ? null : Number(r.parent_id),
        taskName: String(r.task_name),
        status: r.status as TaskStatus,
        workerId: r.worker_id === null ? null : String(r.worker_id),
        attempt: Number(r.attempt),
        failures: Number(r.failures),
        payload: r.payload === null ? null : String(r.payload),
        result: r.result === null ? null : String(r.result),
        createdTime: Number(r.created_time),
        updatedTime: Number(r.updated_time),
      })),
      total: Number(count?.n ?? 0),
    };
  }

  /** Up to `limit` instances that finished before `finishedBefore` and still have task rows (task retention). */
  async finishedInstancesWithTasks(finishedBefore: number, limit: number): Promise<number[]> {
    const rows = (await this.exec(
      `SELECT i.id FROM instance_info i
        WHERE i.finished_time < ? AND i.status IN (?)
          AND EXISTS (SELECT 1 FROM task t WHERE t.instance_id = i.id)
        LIMIT ${Math.trunc(limit)}`,
      [finishedBefore, [...FINAL_INSTANCE_STATUSES]],
    )) as Row[];
    return rows.map((r) => Number(r.id));
  }

  /**
   * Deletes the rows of finished instances (retention), 1,000 per statement, until none is left or `keepGoing` says
   * stop between two statements. Returns the number of rows deleted.
   */
  async purgeInstances(instanceIds: number[], keepGoing: () => boolean = () => true): Promise<number> {
    if (instanceIds.length === 0) return 0;
    let deleted = 0;
    for (;;) {
      const { and, params } = this.app;
      const r = (await this.exec(`DELETE FROM task WHERE instance_id IN (?)${and} LIMIT ${PURGE_CHUNK}`, [
        instanceIds,
        ...params,
      ])) as {
        affectedRows?: number;
      };
      const n = r.affectedRows ?? 0;
      deleted += n;
      if (n < PURGE_CHUNK || !keepGoing()) return deleted;
    }
  }
}

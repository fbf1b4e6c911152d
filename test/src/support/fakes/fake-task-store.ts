import { type TaskCounts, TaskStatus } from '@jobnest/common';
import type { InsertedSubtasks, StoredResult, TaskOutcomeRow, TaskStore, WaitingTask } from '@jobnest/persistence';

/** One row of the fake task table. */
export interface FakeRow {
  id: number;
  instanceId: number;
  mapKey: string;
  taskName: string;
  payload: string | null;
  status: TaskStatus;
  result: string | null;
  failures: number;
  attempt: number;
  workerId: string | null;
}

const UNFINISHED: TaskStatus[] = [TaskStatus.WAITING_DISPATCH, TaskStatus.DISPATCHED];

/**
 * The task table in memory, with the statements of TaskStore a TaskTracker runs and their semantics (INSERT
 * IGNORE on the map key, UPDATEs conditional on the status they leave). Every statement is recorded in `calls`.
 */
export class FakeTaskStore {
  readonly rows: FakeRow[] = [];
  readonly calls: string[] = [];
  private nextId = 1;
  private readGate: { taken: () => void; released: Promise<void> } | undefined;

  /** The fake as the TaskStore type the SDK's classes take. */
  asStore(): TaskStore {
    return this as unknown as TaskStore;
  }

  of(instanceId: number): FakeRow[] {
    return this.rows.filter((r) => r.instanceId === instanceId);
  }

  async deleteInstance(instanceId: number): Promise<void> {
    this.calls.push('deleteInstance');
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i]!.instanceId === instanceId) this.rows.splice(i, 1);
  }

  async insertRoot(instanceId: number, taskName: string): Promise<void> {
    this.calls.push('insertRoot');
    this.insert(instanceId, 'root', taskName, null);
  }

  async insertSubtasks(
    instanceId: number,
    _parentId: number | null,
    keyPrefix: string,
    taskName: string,
    payloads: string[],
  ): Promise<InsertedSubtasks> {
    this.calls.push('insertSubtasks');
    let inserted = 0;
    let firstId = 0;
    payloads.forEach((payload, i) => {
      const id = this.insert(instanceId, `${keyPrefix}:${i}`, taskName, payload);
      if (id === 0) return;
      inserted++;
      if (firstId === 0) firstId = id;
    });
    return { inserted, firstId };
  }

  /**
   * The next fetchWaiting reads its rows at once (MySQL's consistent read: as of the statement's start) but answers
   * only on `release()`, like a slow SELECT while other statements commit. `taken` resolves once it has read.
   */
  holdNextRead(): { taken: Promise<void>; release: () => void } {
    let taken!: () => void;
    let release!: () => void;
    const takenPromise = new Promise<void>((resolve) => (taken = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.readGate = { taken, released };
    return { taken: takenPromise, release };
  }

  async fetchWaiting(instanceId: number, afterId: number, limit: number): Promise<WaitingTask[]> {
    this.calls.push(`fetchWaiting>${afterId}`);
    const rows = this.of(instanceId)
      .filter((r) => r.status === TaskStatus.WAITING_DISPATCH && r.id > afterId)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        taskName: r.taskName,
        payload: r.payload,
        failures: r.failures,
        isRoot: r.mapKey === 'root',
      }));
    const gate = this.readGate;
    this.readGate = undefined;
    if (gate) {
      gate.taken();
      await gate.released;
    }
    return rows;
  }

  async markDispatched(instanceId: number, ids: number[], workerId: string): Promise<void> {
    this.calls.push('markDispatched');
    for (const r of this.of(instanceId)) {
      if (ids.includes(r.id) && r.status === TaskStatus.WAITING_DISPATCH) {
        r.status = TaskStatus.DISPATCHED;
        r.workerId = workerId;
      }
    }
  }

  async applyOutcomes(instanceId: number, rows: TaskOutcomeRow[], workerId: string): Promise<void> {
    this.calls.push(`applyOutcomes:${rows.length}`);
    const ids = new Set(rows.map((r) => r.id));
    if (ids.size !== rows.length) throw new Error('two outcomes of one task in one statement');
    for (const o of rows) {
      const r = this.of(instanceId).find((x) => x.id === o.id);
      if (!r || !UNFINISHED.includes(r.status)) continue;
      r.status = o.status;
      r.result = o.result;
      r.failures = o.failures;
      r.attempt++;
      r.workerId = workerId;
    }
  }

  async fail(instanceId: number, ids: number[], reason: string): Promise<void> {
    this.calls.push('fail');
    for (const r of this.of(instanceId)) {
      if (ids.includes(r.id) && UNFINISHED.includes(r.status)) {
        r.status = TaskStatus.FAILED;
        r.result = reason;
        r.failures++;
      }
    }
  }

  async failInFlight(instanceId: number, reason: string): Promise<void> {
    this.calls.push('failInFlight');
    for (const r of this.of(instanceId)) {
      if (r.status === TaskStatus.DISPATCHED) {
        r.status = TaskStatus.FAILED;
        r.result = reason;
      }
    }
  }

  async resetInFlight(instanceId: number): Promise<void> {
    this.calls.push('resetInFlight');
    for (const r of this.of(instanceId)) {
      if (r.status === TaskStatus.DISPATCHED) {
        r.status = TaskStatus.WAITING_DISPATCH;
        r.workerId = null;
      }
    }
  }

  async failUnfinished(instanceId: number, reason: string): Promise<void> {
    this.calls.push('failUnfinished');
    for (const r of this.of(instanceId)) {
      if (UNFINISHED.includes(r.status)) {
        r.status = TaskStatus.FAILED;
        r.result = reason;
      }
    }
  }

  async unfinishedIds(instanceId: number, ids: number[]): Promise<Set<number>> {
    return new Set(
      this.of(instanceId)
        .filter((r) => ids.includes(r.id) && UNFINISHED.includes(r.status))
        .map((r) => r.id),
    );
  }

  async counts(instanceId: number): Promise<TaskCounts> {
    const counts: TaskCounts = { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of this.of(instanceId)) {
      counts.total++;
      if (r.status === TaskStatus.WAITING_DISPATCH) counts.waiting++;
      else if (r.status === TaskStatus.SUCCEEDED) counts.succeeded++;
      else if (r.status === TaskStatus.FAILED) counts.failed++;
      else counts.running++;
    }
    return counts;
  }

  async resultsPage(instanceId: number, afterId: number, limit: number): Promise<StoredResult[]> {
    return this.of(instanceId)
      .filter((r) => r.id > afterId && r.mapKey !== 'root')
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((r) => ({ id: r.id, taskName: r.taskName, status: r.status, result: r.result }));
  }

  /** INSERT IGNORE on (instance, map key): 0 when the row exists. */
  private insert(instanceId: number, mapKey: string, taskName: string, payload: string | null): number {
    if (this.rows.some((r) => r.instanceId === instanceId && r.mapKey === mapKey)) return 0;
    const id = this.nextId++;
    this.rows.push({
      id,
      instanceId,
      mapKey,
      taskName,
      payload,
      status: TaskStatus.WAITING_DISPATCH,
      result: null,
      failures: 0,
      attempt: 0,
      workerId: null,
    });
    return id;
  }
}

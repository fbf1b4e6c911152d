import type { TaskStore, WaitingTask } from '@jobnest/persistence';
import type { SerialWrites } from './serial-writes';
import { WaitingRowCursor } from './waiting-row-cursor';

/** Waiting rows read per read of the task table; the next read starts when fewer than READ_LOW_WATER are left. */
const READ_LIMIT = 2000;
const READ_LOW_WATER = 1000;

/** What the ready queue reads from the task table. */
export type WaitingRowReader = Pick<TaskStore, 'fetchWaiting'>;

/**
 * The waiting tasks of one run read from MySQL and not sent yet, in id order, with retries and lost tasks in front.
 * Rows are read after a cursor on the id (a range of the status index), READ_LIMIT at a time, while fewer than
 * READ_LOW_WATER are queued. A row can read as waiting while the run knows better (in flight, or its result not
 * written yet): `isKnown` says so, and such rows are skipped.
 */
export class ReadyQueue {
  private ready: WaitingTask[] = [];
  private readonly ids = new Set<number>();
  private readonly cursor = new WaitingRowCursor();
  /** Highest id of a task a takeover adopted from a worker (held by the run without having been read). */
  private adoptedUpTo = 0;

  constructor(
    private readonly reader: WaitingRowReader,
    private readonly instanceId: number,
    private readonly writes: SerialWrites,
    private readonly isKnown: (taskId: number) => boolean,
  ) {}

  get length(): number {
    return this.ready.length;
  }

  has(taskId: number): boolean {
    return this.ids.has(taskId);
  }

  /** Every waiting row was read: the last read found the end and no new rows were announced since. */
  get allRead(): boolean {
    return this.cursor.done;
  }

  /** Few tasks are left and rows remain to read: read ahead while the workers run what was sent. */
  get wantsRead(): boolean {
    return this.ready.length < READ_LOW_WATER && !this.cursor.done;
  }

  /** Reads the next waiting rows after the cursor into the queue. Returns how many rows it read. */
  async read(): Promise<number> {
    const { after, rereads } = this.cursor.begin();
    const fetch = () => this.reader.fetchWaiting(this.instanceId, after, READ_LIMIT);
    // A result not stored yet reads as waiting: a read of rows the run may hold (read before, or adopted up to
    // adoptedUpTo) waits for the writes queued ahead of it (none can commit during it) and skips what the run holds.
    const rows = rereads || after < this.adoptedUpTo ? await this.writes.run(fetch) : await fetch();
    for (const row of rows) {
      if (this.isKnown(row.id) || this.ids.has(row.id)) continue;
      this.ready.push(row);
      this.ids.add(row.id);
    }
    this.cursor.end(after, rows.length, rows.at(-1)?.id ?? 0, READ_LIMIT);
    return rows.length;
  }

  /** New rows were stored from `firstId` on (0: unknown); when already read past, the next read goes back there. */
  announce(firstId: number): void {
    this.cursor.announce(firstId);
  }

  /** Reads everything again from id 0 (the completion check found waiting rows nobody announced). */
  restart(): void {
    this.cursor.restart();
  }

  /** Takes up to `count` tasks from the front. */
  take(count: number): WaitingTask[] {
    const taken = this.ready.splice(0, Math.min(count, this.ready.length));
    for (const t of taken) this.ids.delete(t.id);
    return taken;
  }

  /** Takes every queued task (the caller appends back what it does not send). */
  takeAll(): WaitingTask[] {
    const taken = this.ready;
    this.ready = [];
    this.ids.clear();
    return taken;
  }

  /** Puts tasks at the back, in the order given. */
  append(tasks: WaitingTask[]): void {
    for (const t of tasks) {
      this.ready.push(t);
      this.ids.add(t.id);
    }
  }

  /** Tasks that must run again go to the front (no write: MySQL reads them as waiting). */
  requeue(tasks: WaitingTask[]): void {
    if (tasks.length === 0) return;
    for (const t of tasks) this.ids.add(t.id);
    this.ready = [...tasks, ...this.ready];
  }

  /** Takes one task out wherever it is. */
  remove(taskId: number): void {
    if (this.ids.delete(taskId)) this.ready = this.ready.filter((r) => r.id !== taskId);
  }

  /**
   * A takeover adopted the task from a worker: it leaves the queue, and reads of rows up to it wait for the queued
   * result writes. Its row was never read here, yet its result can be stored at any moment: a read that overlaps
   * that write would see the row as of before it (waiting) and get it after the run forgot the task (stored), and
   * the task would be sent again while counted finished.
   */
  adopted(taskId: number): void {
    this.adoptedUpTo = Math.max(this.adoptedUpTo, taskId);
    this.remove(taskId);
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { errorMessage, type HoldReason } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { InstanceEvents } from '../instances/state/instance-events';
import { retryLockConflicts } from '../platform/database/lock-conflict-retries';
import { lockRow } from '../platform/database/lock-row';
import { AdmissionBook, type FlowLimits } from './admission-book';
import { isUnderFlowControl, limitsOf } from './flow-job';
import { FlowStateRepository, type AdmittedRun, type WaitingInstance } from './flow-state.repository';

/** Most waiting instances one release looks at per concurrency key. */
const MAX_PER_KEY = 1000;

/**
 * A release of some keys reads the RunInstance columns (params, workflow context) with its candidates only when it
 * reads at most this many per key: the ended keys have room for about one each, so the candidates it does not let
 * through (whose columns are read for nothing) stay few. Beyond, the admitted rows are read back after the UPDATE.
 */
const RUN_COLUMNS_MAX_PER_KEY = 4;

/**
 * Lets held instances through when they may start: when an instance of their job ends (on the server that stored the
 * end, at once; only its concurrency key got room, so only that key's instances and the buffered slots are read), when
 * the rate window frees a start (a timer on the server that saw it), after a launch that held some, when the job's
 * settings change, and from the reconciler's pass (any server's work left undone by a crash). A release locks the
 * job's row, so releases and launches of one job on any servers take turns; on one server, releases of a job asked
 * for while one runs are run once after it, together.
 */
@Injectable()
export class FlowGate implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FlowGate.name);
  /** Jobs being released now, and what the next release reads (null: none was asked for meanwhile). */
  private readonly releasing = new Map<number, { next: ReleaseScope | null; done: Promise<void> }>();
  /**
   * Per job, one timer for the earliest wake-up asked for, and the later ones that must not be lost (`keep`: a
   * buffered timer slot's due time, which no release computes again; a rate window's next room is computed again by
   * the release the earlier wake-up runs).
   */
  private readonly wakeups = new Map<number, { at: number; timer: NodeJS.Timeout; later: number[] }>();
  /**
   * Jobs whose last release let some instance through: their next release skips the pre-check (a backlog being
   * worked off, where the check only costs a read). Cleared by a release that lets none through.
   */
  private readonly backlogged = new Set<number>();
  private stopped = false;
  /** The last job the reconciler's previous pass released (0: start from the first). */
  private releaseCursor = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly state: FlowStateRepository,
    private readonly dispatcher: DispatcherService,
    private readonly events: InstanceEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.events.onFinished(({ id, jobId, flowKey }) => {
      if (jobId === undefined || flowKey === undefined) this.releaseJobOf(id);
      else if (flowKey !== null) this.release(jobId, flowKey);
    });
    this.events.onFlowWaiting((jobId) => this.release(jobId));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.wakeups.values()) clearTimeout(timer);
    this.wakeups.clear();
    await Promise.allSettled([...this.releasing.values()].map((r) => r.done));
  }

  /**
   * Lets through what may start of the job's held instances (in the background; errors are logged): of the
   * concurrency key `key` only (an instance of it ended, or a launch held one of it: only that key may have got room;
   * the buffered slots too), or of every key.
   */
  release(jobId: number, key?: string): void {
    if (this.stopped) return;
    const running = this.releasing.get(jobId);
    if (running) {
      running.next = widen(running.next, key);
      return;
    }
    const entry: { next: ReleaseScope | null; done: Promise<void> } = {
      next: widen(null, key),
      done: Promise.resolve(),
    };
    entry.done = (async () => {
      // Starts after the caller's synchronous turn: the ends of one report batch, announced in a loop, share this
      // release instead of each asking for one more.
      await Promise.resolve();
      while (entry.next !== null && !this.stopped) {
        const scope = entry.next;
        entry.next = null;
        try {
          await this.releaseNow(jobId, scope);
        } catch (err) {
          this.logger.warn(
            `releasing held instances of job ${jobId} failed (the reconciler retries): ${errorMessage(err)}`,
          );
        }
      }
      this.releasing.delete(jobId);
    })();
    this.releasing.set(jobId, entry);
  }

  /**
   * Releases up to `limit` jobs with due held instances (the reconciler's pass, on the lease holder), taking up after
   * the last job the previous pass released, so that with more such jobs than `limit` each gets its turn.
   */
  async releaseAllDue(limit: number): Promise<number> {
    const now = Date.now();
    const jobs = await this.state.jobsWithDueWaiting(this.dataSource.manager, now, limit, this.releaseCursor);
    if (jobs.length < limit && this.releaseCursor > 0) {
      // Past the last job: go on from the first, in the same pass.
      const first = await this.state.jobsWithDueWaiting(this.dataSource.manager, now, limit - jobs.length, 0);
      jobs.push(...first.filter((id) => !jobs.includes(id)));
    }
    this.releaseCursor = jobs.length === limit ? jobs[jobs.length - 1]! : 0;
    for (const jobId of jobs) this.release(jobId);
    await Promise.allSettled(jobs.map((id) => this.releasing.get(id)?.done));
    return jobs.length;
  }

  /**
   * Wakes the job's release at `at`, once `Date.now()` has reached it. With one already due earlier, `at` is dropped
   * unless `keep` (a held timer slot's due time): it then waits its turn after the earlier one.
   */
  wakeAt(jobId: number, at: number, keep = false): void {
    if (this.stopped) return;
    const current = this.wakeups.get(jobId);
    if (current && current.at <= at) {
      if (keep && current.at !== at && !current.later.includes(at)) current.later.push(at);
      return;
    }
    if (current) clearTimeout(current.timer);
    // The replaced time is kept: it may be a slot's due time.
    this.armWakeup(jobId, at, current ? [current.at, ...current.later] : []);
  }

  private armWakeup(jobId: number, at: number, later: number[]): void {
    const timer = setTimeout(
      () => {
        // A timer may fire a millisecond before the wall clock that expected_trigger_time and the rate window are
        // compared with has reached `at`: a release then would find the row not due yet, and nothing would wake it.
        if (Date.now() < at) {
          this.armWakeup(jobId, at, later);
          return;
        }
        this.wakeups.delete(jobId);
        this.release(jobId);
        if (later.length > 0) {
          const next = Math.min(...later);
          this.armWakeup(
            jobId,
            next,
            later.filter((t) => t !== next),
          );
        }
      },
      Math.max(1, at - Date.now()),
    );
    timer.unref();
    this.wakeups.set(jobId, { at, timer, later });
  }

  /**
   * An instance ended whose job the announcer did not read (a stop, a time limit, a lost worker; not the path of
   * every run): one read by primary key tells whether its job is under flow control.
   */
  private releaseJobOf(instanceId: number): void {
    this.state
      .flowJobOfInstance(this.dataSource.manager, instanceId)
      .then((found) => {
        if (found !== null) this.release(found.jobId, found.key);
      })
      .catch((err: unknown) =>
        this.logger.warn(
          `instance ${instanceId} ended; its job's release is left to the reconciler: ${errorMessage(err)}`,
        ),
      );
  }

  /**
   * One release: under the job's lock, decide which held instances start and let them through, dispatched in the
   * same UPDATE to the job's eligible workers (in turn, best first); after COMMIT their RunInstance commands go out
   * (coalesced per worker). Without an eligible worker they are let through undispatched and wait for one as usual.
   */
  private async releaseNow(jobId: number, scope: ReleaseScope): Promise<void> {
    // Most ends free a slot nobody waits for: one indexed read instead of a locking transaction. Safe without the
    // lock: a launch that holds a row after this read releases its key itself once it has committed. Skipped while
    // the job works off a backlog, where it would only cost a read.
    const keys = scope === ALL_KEYS ? undefined : [...scope];
    if (
      !this.backlogged.has(jobId) &&
      !(await this.state.hasDueWaiting(this.dataSource.manager, jobId, Date.now(), keys))
    )
      return;
    const decided = await retryLockConflicts(() =>
      this.dataSource.transaction(async (tx) => {
        const job = await lockRow(tx, JobInfoEntity, jobId);
        return this.decide(tx, jobId, job, keys);
      }),
    );
    this.afterCommit(decided);
  }

  /**
   * Decides a release under the job's lock (`job`: its row as locked, null when deleted) and writes it in `tx`: the
   * keys `keys` (undefined: every key) and the buffered slots.
   */
  private async decide(
    tx: EntityManager,
    jobId: number,
    job: JobInfoEntity | null,
    keys: readonly string[] | undefined,
  ): Promise<DecidedRelease> {
    // The time of the decision, once the lock is ours: admitted_time, which the rate window counts, must not run
    // ahead of the dispatch by however long the lock took.
    const now = Date.now();
    // A job deleted or no longer under flow control lets everything through.
    const limits = job && isUnderFlowControl(job) ? limitsOf(job) : OPEN;
    const state = await this.state.readRunning(tx, jobId, limits.rateLimit > 0 ? limits.ratePeriodMs : 0, now, keys);
    const book = new AdmissionBook(limits, now, state.keys, state.running);
    const admitted: number[] = [];
    const stillHeld: { waiting: WaitingInstance; heldBy: HoldReason; reason: string }[] = [];
    let wakeAt: number | undefined;
    // The keys asked for, or every key, but those a limit holds now (and the buffered slots once nothing runs): a
    // full key's backlog is not even read.
    const fullKeys = book.keysWithoutRoom();
    const full = new Set(fullKeys);
    const perKey = perKeyOf(limits);
    const candidates = await this.state.waiting(
      tx,
      jobId,
      keys === undefined ? { except: fullKeys } : { only: keys.filter((k) => !full.has(k)) },
      book.idle,
      perKey,
      now,
      keys !== undefined && perKey <= RUN_COLUMNS_MAX_PER_KEY,
    );
    for (const waiting of candidates) {
      const admission = book.admitWaiting(waiting.key, waiting.heldBy);
      if (admission.admitted) admitted.push(waiting.id);
      else {
        stillHeld.push({ waiting, heldBy: admission.heldBy, reason: admission.reason });
        if (admission.wakeAt !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, admission.wakeAt);
      }
    }
    // Keys held by their rate window now, read or not, and those this release just filled: the window says when they
    // get room (a wake-up for a key with nothing waiting finds nothing to do).
    const roomAt = book.nextRoomAt(book.keysWithoutRoom());
    if (roomAt !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, roomAt);
    const workers = job ? this.dispatcher.eligibleWorkers(job) : [];
    const assigned = new Map(admitted.map((id, i) => [id, workers.length > 0 ? workers[i % workers.length]! : null]));
    const dispatched = await this.state.admit(tx, assigned, now, new Map(candidates.map((c) => [c.id, c])));
    await this.state.describe(tx, stillHeld);
    return { jobId, job, admitted, dispatched, wakeAt, decidedAt: now };
  }

  /** Once a release committed: its RunInstance commands, the undispatched ones to the dispatcher, its wake-up. */
  private afterCommit({ jobId, job, admitted, dispatched, wakeAt, decidedAt }: DecidedRelease): void {
    if (admitted.length > 0) this.backlogged.add(jobId);
    else this.backlogged.delete(jobId);
    const sent = new Set(dispatched.map((i) => i.id));
    for (const instance of dispatched) {
      if (job) void this.dispatcher.sendRun(instance, job, instance.workerId, instance.runningTimes, 0, decidedAt);
    }
    // Let through without a worker to go to: the dispatcher makes them wait for one (or fails them past the grace).
    for (const id of admitted) if (!sent.has(id)) this.dispatcher.dispatchInBackground(id);
    if (wakeAt !== undefined) this.wakeAt(jobId, wakeAt);
  }
}

/** A release decided and written in a transaction, and what is left to do once it commits. */
interface DecidedRelease {
  jobId: number;
  /** The job as locked (null: deleted). */
  job: JobInfoEntity | null;
  /** Every instance let through, dispatched or not. */
  admitted: number[];
  /** Those dispatched to a worker in the same UPDATE: their RunInstance goes out after COMMIT. */
  dispatched: AdmittedRun[];
  /** When the rate window frees a start for a key it holds. */
  wakeAt: number | undefined;
  decidedAt: number;
}

/** What one release reads: every key, or the keys whose instances ended since the last one. */
type ReleaseScope = typeof ALL_KEYS | Set<string>;
const ALL_KEYS = 'all keys';

/** The scope `scope` grown by `key` (undefined: every key). */
function widen(scope: ReleaseScope | null, key: string | undefined): ReleaseScope {
  if (key === undefined || scope === ALL_KEYS) return ALL_KEYS;
  return (scope ?? new Set<string>()).add(key);
}

/** No limit at all: a job deleted, or no longer under flow control, lets its held instances go. */
const OPEN: FlowLimits = { concurrencyLimit: 0, rateLimit: 0, ratePeriodMs: 1000 };

/** How many waiting instances of a key one release may let through at most. */
function perKeyOf(limits: FlowLimits): number {
  const caps = [MAX_PER_KEY];
  if (limits.concurrencyLimit > 0) caps.push(limits.concurrencyLimit);
  if (limits.rateLimit > 0) caps.push(limits.rateLimit);
  return Math.min(...caps);
}

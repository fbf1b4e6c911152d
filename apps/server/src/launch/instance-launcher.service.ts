import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type InstanceInfoEntity, isDuplicateEntry, JobInfoEntity } from '@jobnest/persistence';
import { HoldReason, isTimedType, type OverlapPolicy, type TimeExpressionType } from '@jobnest/common';
import { DispatcherService, EARLY_TOLERANCE_MS } from '../dispatch/dispatcher.service';
import { InstanceStopper } from '../dispatch/instance-stopper';
import { AdmissionBook, type Admission, type FlowLimits } from '../flow/admission-book';
import { FlowGate } from '../flow/flow-gate.service';
import { concurrencyKeyOf, isUnderFlowControl, limitsOf } from '../flow/flow-job';
import { FlowStateRepository } from '../flow/flow-state.repository';
import {
  InstanceRepository,
  slotKey,
  type ActiveInstances,
  type InstanceToStop,
  type NewInstanceFlow,
  type NewInstanceOf,
} from '../instances/state/instance.repository';
import { CoalescingQueue, CoalescingQueueFullError, type ItemOutcome } from '../platform/batching/coalescing-queue';
import { retryLockConflicts } from '../platform/database/lock-conflict-retries';
import { DelayedDispatchService } from './delayed-dispatch.service';
import { idempotencyKeyId, IdempotencyKeys, type JobIdempotencyKey, type KeyClaim } from './idempotency-keys';
import { decideSlot, heldUntilSlot, SLOT_DEFERRED, type SlotDeferred, type TriggerHold } from './slot-overlap';

/** One run asked for through the API. */
export interface LaunchRequest {
  instanceParams: string | null;
  delayMs: number;
  /** While the key lives (`idempotencyTtlMs` from its claim), a run with it answers the instance it created. */
  idempotencyKey: string | null;
  idempotencyTtlMs: number;
  /** The run's own concurrency key (null: the job's concurrencyKeyPath decides). */
  concurrencyKey: string | null;
  /** The run's priority (null: the job's). */
  priority: number | null;
}

/** The instances of an API launch, in the order of its runs, and which of them it created (false: an idempotency key's). */
export interface LaunchedRuns {
  instanceIds: number[];
  created: boolean[];
}

/** What became of a timer slot. */
export type SlotOutcome =
  | { kind: 'launched'; instanceId: number }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string }
  /** The job was deleted, disabled or made untimed since its trigger was read (nothing written, nothing counted). */
  | { kind: 'stale' }
  /** The trigger was taken over during the wait for the slot: its replay handles the slot (see heldUntilSlot). */
  | { kind: 'taken-over' };

/** An API request for runs of the app's job `jobId` (a single run or a bulk request): all or none are created. */
interface ApiLaunch {
  kind: 'api';
  appId: number;
  jobId: number;
  runs: readonly LaunchRequest[];
}

/** One timer slot of a job the caller read. */
interface SlotLaunch {
  kind: 'slot';
  job: JobInfoEntity;
  slot: number;
  /** Decided at (or after) the slot: never deferred again. */
  final: boolean;
}

type Launch = ApiLaunch | SlotLaunch;
type LaunchResult = LaunchedRuns | SlotOutcome | SlotDeferred;

/** Where the answer of one API run comes from: a row of this batch, or the live instance of its idempotency key. */
type RunAnswer = { row: number; created: boolean } | { existing: number };

/** A row inserted by a batch and what to do with it once committed. */
interface Inserted {
  instance: InstanceInfoEntity;
  job: JobInfoEntity;
  /** Dispatched with its INSERT: send RunInstance to this worker. */
  workerId?: string;
  /** An API run with a delay: queue its delayed dispatch. */
  delayMs: number;
}

/**
 * Writes the instances of concurrent launches (API runs, bulk runs, timer slots) together: launches that arrive
 * while a batch is being written, or together, share one batch, which
 * - reads their jobs (one SELECT),
 * - when some have a limit (maxInstances, and every timed job: its slot is skipped while an instance waits for a
 *   worker), opens a transaction that locks those in id order (one SELECT ... FOR UPDATE), counts their unfinished
 *   instances (one grouped SELECT) and finds the slots that have their instance already,
 * - inserts every accepted row with one multi-row INSERT (without a limit, outside a transaction), each already
 *   dispatched to an eligible worker when there is one (WAITING_WORKER_RECEIVE, run 1), spreading a batch over the
 *   job's eligible workers, best first.
 * After COMMIT each launch gets its answer and the RunInstance commands go out (coalesced per worker by
 * WorkerCommands). A launch is all or nothing and answered only once its rows are committed.
 */
@Injectable()
export class InstanceLauncher {
  private readonly logger = new Logger(InstanceLauncher.name);
  private readonly queue = new CoalescingQueue<Launch, LaunchResult>({
    flush: (launches) => this.write(launches),
    weight: (launch) => (launch.kind === 'api' ? launch.runs.length : 1),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instances: InstanceRepository,
    private readonly dispatcher: DispatcherService,
    private readonly delayed: DelayedDispatchService,
    private readonly idempotency: IdempotencyKeys,
    private readonly flowState: FlowStateRepository,
    private readonly flowGate: FlowGate,
    private readonly stopper: InstanceStopper,
  ) {}

  /**
   * The instances of `runs`, in their order: new ones, or the live instance of a run's idempotency key. 404 for
   * another app's job or a missing one, 409 when the new ones would pass maxInstances (none is created then).
   */
  async launchRuns(appId: number, jobId: number, runs: readonly LaunchRequest[]): Promise<LaunchedRuns> {
    try {
      return (await this.queue.submit({ kind: 'api', appId, jobId, runs })) as LaunchedRuns;
    } catch (err) {
      // Bounded: past it, callers are told to come back instead of the server queueing without limit.
      if (err instanceof CoalescingQueueFullError)
        throw new ServiceUnavailableException(`the server is busy (${err.message}); retry later`);
      throw err;
    }
  }

  /**
   * A timer slot, as its job's overlap policy decides (decideSlot); a slot that already has its instance is a
   * duplicate. Fired ahead of its time, a slot that would not simply launch waits for its time and is decided then,
   * so runs that end before the slot never make it skip, buffer or stop them.
   */
  async launchSlot(job: JobInfoEntity, slot: number, hold: TriggerHold): Promise<SlotOutcome> {
    const ahead = (await this.queue.submit({ kind: 'slot', job, slot, final: false })) as SlotOutcome | SlotDeferred;
    if (ahead.kind !== 'deferred') return ahead;
    if (!(await heldUntilSlot(slot, hold))) return { kind: 'taken-over' };
    return (await this.queue.submit({ kind: 'slot', job, slot, final: true })) as SlotOutcome;
  }

  /** One batch; a batch that fails for another reason than a lock conflict is written again launch by launch. */
  private async write(launches: Launch[]): Promise<ItemOutcome<LaunchResult>[]> {
    try {
      return await this.writeWithRetries(launches);
    } catch (err) {
      if (launches.length === 1 && (launches[0]!.kind === 'api' || !isDuplicateEntry(err))) throw err;
      // One bad launch must not fail the others: each alone finds which one it was.
      this.logger.warn(`a batch of ${launches.length} launches failed (${String(err)}); writing them one by one`);
      const outcomes: ItemOutcome<LaunchResult>[] = [];
      for (const launch of launches) {
        try {
          outcomes.push(...(await this.writeWithRetries([launch])));
        } catch (error) {
          // The slot's instance was inserted by someone else in the meantime: the unique key kept it single.
          if (launch.kind === 'slot' && isDuplicateEntry(error))
            outcomes.push({ ok: true, value: { kind: 'duplicate' } });
          else outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  /** A batch lost to a lock conflict (a deadlock, a lock wait timeout) is written again from the start. */
  private writeWithRetries(launches: Launch[]): Promise<ItemOutcome<LaunchResult>[]> {
    return retryLockConflicts(async () => {
      const jobs = await this.jobsOf(launches);
      const limited = limitedJobIds(jobs, launches);
      // Without a limit to check or a key to claim there is nothing to lock, and the batch is one INSERT
      // (insertMany opens a transaction itself when it needs several): no BEGIN and COMMIT round trips for it.
      const keyed = launches.some((l) => l.kind === 'api' && l.runs.some((r) => r.idempotencyKey !== null));
      const { outcomes, inserted, held, slotWakes, replaced } =
        limited.length === 0 && !keyed
          ? await this.decideAndInsert(this.dataSource.manager, launches, jobs, limited)
          : await this.dataSource.transaction((tx) => this.decideAndInsert(tx, launches, jobs, limited));
      this.afterCommit(inserted);
      this.afterFlowDecisions(held, slotWakes, replaced);
      return outcomes;
    });
  }

  /**
   * The launches' jobs, read before the transaction (one SELECT): inside it, the first read must be the lock, or
   * the counts after it would read the snapshot taken before the lock was granted (REPEATABLE READ) and miss the
   * instances another batch committed meanwhile.
   */
  private async jobsOf(launches: Launch[]): Promise<Map<number, JobInfoEntity>> {
    const jobs = new Map<number, JobInfoEntity>();
    const apiJobIds = [...new Set(launches.flatMap((l) => (l.kind === 'api' ? [l.jobId] : [])))];
    if (apiJobIds.length > 0) for (const job of await this.readJobs(apiJobIds)) jobs.set(job.id, job);
    for (const l of launches) if (l.kind === 'slot' && !jobs.has(l.job.id)) jobs.set(l.job.id, l.job);
    return jobs;
  }

  /**
   * The jobs of `ids`, hydrated as TypeORM would (column types, transformers) but from one plain query: on the path
   * of every API run, the query builder of findBy() costs more than the query itself.
   */
  private async readJobs(ids: readonly number[]): Promise<JobInfoEntity[]> {
    const metadata = this.dataSource.getMetadata(JobInfoEntity);
    const rows = (await this.dataSource.query(`SELECT * FROM job_info WHERE id IN (${ids.map(() => '?').join(', ')})`, [
      ...ids,
    ])) as Record<string, unknown>[];
    return rows.map((raw) => {
      const job = metadata.create() as JobInfoEntity;
      for (const column of metadata.columns) {
        column.setEntityValue(job, this.dataSource.driver.prepareHydratedValue(raw[column.databaseName], column));
      }
      return job;
    });
  }

  private async decideAndInsert(
    tx: EntityManager,
    launches: Launch[],
    jobs: ReadonlyMap<number, JobInfoEntity>,
    limited: readonly number[],
  ): Promise<{
    outcomes: ItemOutcome<LaunchResult>[];
    inserted: Inserted[];
    held: Map<number, HeldRows>;
    slotWakes: SlotWake[];
    replaced: InstanceToStop[];
  }> {
    // Limits as of the lock (a job updated since it was read counts with its new limits).
    const locked = await lockJobs(tx, limited);
    // Taken once the locks are ours: admitted_time, which rate windows count, must not run ahead of the dispatch by
    // however long the locks took.
    const now = Date.now();
    const slots = launches.flatMap((l) => (l.kind === 'slot' ? [{ jobId: l.job.id, slot: l.slot }] : []));
    // Consistent reads from here on: their snapshot is taken now, with the locks held. Unfinished instances are
    // counted only for the jobs that check them (maxInstances, overlap policies of slots), not for those locked only
    // for flow control: a count held under the lock costs every launch of a long backlog.
    const slotJobs = new Set(slots.map((s) => s.jobId));
    const active = await this.instances.countActiveOfJobs(
      tx,
      limited.filter((id) => (locked.get(id)?.maxInstances ?? 0) > 0 || slotJobs.has(id)),
    );
    const taken = await this.instances.slotsWithInstances(tx, slots);
    const claims = await this.idempotency.claim(tx, keysToClaim(launches, jobs, limited, locked), now);
    const flow = await this.flowBooks(tx, locked, now);
    // Keys of this batch's accepted runs, and the row each one created.
    const keyRows = new Map<string, { jobId: number; key: string; row: number }>();
    const answers: RunAnswer[][] = [];

    const outcomes: (ItemOutcome<LaunchResult> | undefined)[] = [];
    const rows: { launch: number; run: NewInstanceOf; delayMs: number }[] = [];
    // Jobs whose new rows wait, and jobs whose unfinished instances a CANCEL_OTHER slot replaces.
    const held = new Map<number, HeldRows>();
    const hold = (jobId: number, key: string, wakeAt: number | undefined): void => {
      const rows = held.get(jobId) ?? { wakeAt: Infinity, keys: new Set<string>() };
      rows.wakeAt = Math.min(rows.wakeAt, wakeAt ?? Infinity);
      rows.keys.add(key);
      held.set(jobId, rows);
    };
    const slotWakes: SlotWake[] = [];
    const replaced = new Set<number>();
    const pickWorker = this.workerPicker();
    const countOf = (jobId: number): ActiveInstances => {
      let counts = active.get(jobId);
      if (!counts) active.set(jobId, (counts = { total: 0, waitingForWorker: 0 }));
      return counts;
    };
    launches.forEach((launch, index) => {
      if (launch.kind === 'slot') {
        const { job, slot } = launch;
        const settings = locked.get(job.id);
        const counts = countOf(job.id);
        const book = flow.get(job.id);
        // Checked first: the slot's own instance would otherwise count as the unfinished one that skips it.
        if (taken.has(slotKey(job.id, slot))) {
          outcomes[index] = { ok: true, value: { kind: 'duplicate' } };
          return;
        }
        // As of the lock: a deferred slot waited up to the trigger lead for its time, and the job may have changed.
        if (!settings || !settings.timed) {
          outcomes[index] = { ok: true, value: { kind: 'stale' } };
          return;
        }
        const decision = decideSlot({
          policy: settings.overlapPolicy,
          unfinished: counts.total,
          waitingForWorker: counts.waitingForWorker,
          buffered: book?.buffered ?? 0,
          bufferLimit: settings.overlapBufferLimit,
          maxInstances: settings.maxInstances,
        });
        if (decision.kind !== 'launch' && !launch.final && slot > now) {
          outcomes[index] = { ok: true, value: SLOT_DEFERRED };
          return;
        }
        if (decision.kind === 'skip') {
          outcomes[index] = { ok: true, value: skipped(decision.reason) };
          return;
        }
        if (decision.kind === 'replace') replaced.add(job.id);
        taken.add(slotKey(job.id, slot));
        counts.total++;
        const admission: Admission =
          decision.kind === 'buffer'
            ? { admitted: false, heldBy: HoldReason.OVERLAP, reason: decision.reason }
            : (book?.book.admitNew('') ?? { admitted: true });
        if (decision.kind === 'buffer' && book) book.buffered++;
        const dueSoon = slot <= now + EARLY_TOLERANCE_MS;
        rows.push({
          launch: index,
          delayMs: 0,
          run: {
            job,
            row: {
              instanceParams: null,
              expectedTriggerTime: slot,
              triggerSlot: slot,
              statusReason: admission.admitted ? null : admission.reason,
              now,
              dispatchedTo: dueSoon && admission.admitted ? pickWorker(job) : undefined,
              priority: job.priority,
              flow: book ? flowColumns('', admission, now) : undefined,
            },
          },
        });
        if (!admission.admitted) {
          hold(job.id, '', admission.wakeAt);
          // A slot launched ahead of its time and held by flow control (a rate limit; overlap holds are decided at
          // the slot) is not due yet: the release after COMMIT passes it by, so it is woken at its slot (a wake-up
          // no release computes again: kept even behind an earlier one).
          if (slot > now) slotWakes.push({ jobId: job.id, at: slot });
        }
        return;
      }
      const job = jobs.get(launch.jobId);
      // A limited job missing under the lock was deleted since it was read.
      const deleted = job !== undefined && limited.includes(job.id) && !locked.has(job.id);
      if (!job || job.appId !== launch.appId || deleted) {
        outcomes[index] = { ok: false, error: new NotFoundException(`job ${launch.jobId} not found`) };
        return;
      }
      const { plan, fresh } = planRuns(launch.runs, job.id, claims, keyRows, rows.length);
      const max = locked.get(job.id)?.maxInstances ?? 0;
      const counts = countOf(job.id);
      if (max > 0 && counts.total + fresh.length > max) {
        const asked = fresh.length === 1 ? '' : ` (${fresh.length} runs asked for)`;
        outcomes[index] = {
          ok: false,
          error: new ConflictException(
            `job ${job.id} already has ${counts.total} unfinished instance(s) (maxInstances=${max})${asked}`,
          ),
        };
        return;
      }
      counts.total += fresh.length;
      answers[index] = plan;
      const book = flow.get(job.id)?.book;
      for (const run of fresh) {
        // A delayed run is let through (or not) when it is due: the dispatcher hands it to the FlowGate then.
        const key = concurrencyKeyOf(job, run);
        const admission: Admission = book && run.delayMs === 0 ? book.admitNew(key) : { admitted: true };
        if (!admission.admitted) hold(job.id, key, admission.wakeAt);
        if (run.idempotencyKey !== null) {
          keyRows.set(idempotencyKeyId(job.id, run.idempotencyKey), {
            jobId: job.id,
            key: run.idempotencyKey,
            row: rows.length,
          });
        }
        rows.push({
          launch: index,
          delayMs: run.delayMs,
          run: {
            job,
            row: {
              instanceParams: run.instanceParams,
              expectedTriggerTime: now + run.delayMs,
              triggerSlot: null,
              statusReason:
                run.delayMs > 0 ? `scheduled in ${run.delayMs} ms` : admission.admitted ? null : admission.reason,
              now,
              dispatchedTo: run.delayMs > 0 || !admission.admitted ? undefined : pickWorker(job),
              idempotencyKey: run.idempotencyKey ?? undefined,
              priority: run.priority ?? job.priority,
              flow: book
                ? flowColumns(concurrencyKeyOf(job, run), run.delayMs > 0 ? undefined : admission, now)
                : undefined,
            },
          },
        });
      }
    });

    // CANCEL_OTHER: the instances the slot replaces are those unfinished now, read under the lock (stopped after
    // COMMIT); an instance launched after this batch is not one of them.
    const replacedInstances = await this.instances.activeOfJobs(tx, [...replaced]);
    const entities =
      rows.length > 0
        ? await this.instances.insertMany(
            tx,
            rows.map((r) => r.run),
          )
        : [];
    await this.settleKeys(tx, claims, keyRows, entities);
    const inserted: Inserted[] = rows.map((r, i) => ({
      instance: entities[i]!,
      job: r.run.job,
      workerId: r.run.row.dispatchedTo,
      delayMs: r.delayMs,
    }));
    const slotRows = new Map(rows.flatMap((r, i) => (launches[r.launch]!.kind === 'slot' ? [[r.launch, i]] : [])));
    const result = launches.map((launch, index): ItemOutcome<LaunchResult> => {
      const decided = outcomes[index];
      if (decided) return decided;
      if (launch.kind === 'slot')
        return { ok: true, value: { kind: 'launched', instanceId: entities[slotRows.get(index)!]!.id } };
      const plan = answers[index]!;
      return {
        ok: true,
        value: {
          instanceIds: plan.map((a) => ('existing' in a ? a.existing : entities[a.row]!.id)),
          created: plan.map((a) => 'row' in a && a.created),
        },
      };
    });
    return { outcomes: result, inserted, held, slotWakes, replaced: replacedInstances };
  }

  /**
   * An admission book for each locked job under flow control, from its state read under the lock (one or two
   * statements for all of them), and the slots it has buffered.
   */
  private async flowBooks(
    tx: EntityManager,
    locked: ReadonlyMap<number, LockedJob>,
    now: number,
  ): Promise<Map<number, { book: AdmissionBook; buffered: number }>> {
    const flowJobs = [...locked].filter(([, job]) => isUnderFlowControl(job));
    const windows = new Map(flowJobs.map(([id, job]) => [id, job.rateLimit > 0 ? job.ratePeriodMs : 0]));
    const states = await this.flowState.read(
      tx,
      flowJobs.map(([id]) => id),
      windows,
      now,
    );
    return new Map(
      flowJobs.map(([id, job]) => {
        const state = states.get(id)!;
        return [
          id,
          { book: new AdmissionBook(limitsOf(job), now, state.keys, state.running), buffered: state.buffered },
        ];
      }),
    );
  }

  /**
   * Points the keys this batch's runs won at their new instances, and gives back those it claimed for a launch that
   * was refused (so a later run may take them).
   */
  private async settleKeys(
    tx: EntityManager,
    claims: ReadonlyMap<string, KeyClaim>,
    keyRows: ReadonlyMap<string, { jobId: number; key: string; row: number }>,
    entities: readonly InstanceInfoEntity[],
  ): Promise<void> {
    await this.idempotency.record(
      tx,
      [...keyRows.values()].map((k) => ({ jobId: k.jobId, key: k.key, instanceId: entities[k.row]!.id })),
    );
    const unused: { jobId: number; key: string }[] = [];
    for (const [id, claim] of claims) {
      if (claim.kind === 'claimed' && !keyRows.has(id)) {
        const [jobId, key] = splitKeyId(id);
        unused.push({ jobId, key });
      }
    }
    await this.idempotency.release(tx, unused);
  }

  /** Hands out each job's eligible workers in turn, best first: a batch of one job's runs is spread over them. */
  private workerPicker(): (job: JobInfoEntity) => string | undefined {
    const turns = new Map<number, { workers: string[]; next: number }>();
    return (job) => {
      let turn = turns.get(job.id);
      if (!turn) turns.set(job.id, (turn = { workers: this.dispatcher.eligibleWorkers(job), next: 0 }));
      if (turn.workers.length === 0) return undefined;
      return turn.workers[turn.next++ % turn.workers.length];
    };
  }

  /**
   * After COMMIT: jobs whose new rows wait get a release of the keys they held (an instance of the key may have ended
   * after this launch counted it: that end's release ran before this COMMIT and found nothing held; a new row of
   * higher priority may go first) and a wake-up when the rate window frees a start; a CANCEL_OTHER slot stops the
   * job's other unfinished instances.
   */
  private afterFlowDecisions(
    held: Map<number, HeldRows>,
    slotWakes: readonly SlotWake[],
    replaced: InstanceToStop[],
  ): void {
    for (const [jobId, { wakeAt, keys }] of held) {
      // Only the keys it held: another key's room is found by the release of its own end, and a release of every
      // key reads every key's backlog.
      for (const key of keys) this.flowGate.release(jobId, key);
      if (wakeAt !== Infinity) this.flowGate.wakeAt(jobId, wakeAt);
    }
    for (const { jobId, at } of slotWakes) this.flowGate.wakeAt(jobId, at, true);
    if (replaced.length === 0) return;
    this.stopper
      .stopAll(replaced, 'stopped: a newer timer slot replaced it (overlapPolicy CANCEL_OTHER)')
      .catch((err: unknown) =>
        this.logger.error(`CANCEL_OTHER: stopping the replaced instances failed: ${String(err)}`),
      );
  }

  /** Sends the committed runs: RunInstance to their worker, the others to dispatch or to their delay. */
  private afterCommit(inserted: Inserted[]): void {
    for (const { instance, job, workerId, delayMs } of inserted) {
      if (instance.heldBy !== null) continue;
      if (workerId !== undefined) {
        const notBefore =
          instance.triggerSlot !== null && instance.expectedTriggerTime > Date.now() ? instance.expectedTriggerTime : 0;
        void this.dispatcher.sendRun(instance, job, workerId, 1, notBefore, instance.statusTime);
      } else if (delayMs > 0) {
        // Should Redis refuse the timer, the reconciler still dispatches the row once it is due.
        this.delayed
          .schedule(instance.id, delayMs)
          .catch((err: unknown) =>
            this.logger.warn(
              `delayed dispatch of instance ${instance.id} not queued, reconciler will pick it up: ${String(err)}`,
            ),
          );
      } else {
        // No eligible worker now: the dispatcher marks it waiting for one (and the reconciler keeps trying).
        this.dispatcher.dispatchInBackground(instance.id, { instance, job });
      }
    }
  }
}

/**
 * The jobs a batch must lock, in id order (so two batches, on any servers, never wait for each other in a cycle):
 * those with maxInstances, those under flow control, and those of timer slots (their overlap policy counts the
 * unfinished instances).
 */
function limitedJobIds(jobs: ReadonlyMap<number, JobInfoEntity>, launches: readonly Launch[]): number[] {
  const slotJobs = new Set(launches.flatMap((l) => (l.kind === 'slot' ? [l.job.id] : [])));
  return [...jobs.values()]
    .filter((j) => j.maxInstances > 0 || isUnderFlowControl(j) || slotJobs.has(j.id))
    .map((j) => j.id)
    .sort((a, b) => a - b);
}

/** What a launch held of one job: the concurrency keys of its held rows ('' for none), and the earliest time the
 * rate window frees a start for one (Infinity: none is held by a rate window). */
interface HeldRows {
  wakeAt: number;
  keys: Set<string>;
}

/** A held timer slot launched ahead of its time: its job's release is woken when it comes due. */
interface SlotWake {
  jobId: number;
  at: number;
}

/** A job's limits as of its row lock. */
interface LockedJob extends FlowLimits {
  /** Enabled and timed: its timer slots may still launch. */
  timed: boolean;
  maxInstances: number;
  overlapPolicy: OverlapPolicy;
  overlapBufferLimit: number;
}

/** Locks the jobs in id order and reads their limits (one SELECT ... FOR UPDATE); a deleted job is absent. */
async function lockJobs(tx: EntityManager, ids: readonly number[]): Promise<Map<number, LockedJob>> {
  const locked = new Map<number, LockedJob>();
  if (ids.length === 0) return locked;
  const rows = (await tx.query(
    `SELECT id, enabled, time_expression_type AS timeExpressionType, max_instances AS maxInstances,
            concurrency_limit AS concurrencyLimit, rate_limit AS rateLimit, rate_period_ms AS ratePeriodMs,
            overlap_policy AS overlapPolicy, overlap_buffer_limit AS overlapBufferLimit
       FROM job_info WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
    ids,
  )) as Record<Exclude<keyof LockedJob, 'timed'> | 'id' | 'enabled' | 'timeExpressionType', number | string>[];
  for (const row of rows) {
    locked.set(Number(row.id), {
      timed: Number(row.enabled) === 1 && isTimedType(row.timeExpressionType as TimeExpressionType),
      maxInstances: Number(row.maxInstances),
      concurrencyLimit: Number(row.concurrencyLimit),
      rateLimit: Number(row.rateLimit),
      ratePeriodMs: Number(row.ratePeriodMs),
      overlapPolicy: row.overlapPolicy as OverlapPolicy,
      overlapBufferLimit: Number(row.overlapBufferLimit),
    });
  }
  return locked;
}

/** The flow columns of a new row of a job under flow control; no admission yet: a delayed run, decided when due. */
function flowColumns(key: string, admission: Admission | undefined, now: number): NewInstanceFlow {
  if (!admission) return { key, heldBy: null, admittedTime: null };
  return admission.admitted
    ? { key, heldBy: null, admittedTime: now }
    : { key, heldBy: admission.heldBy, admittedTime: null };
}

/**
 * The idempotency keys a batch claims: those of runs of existing jobs of the launch's app (a refused launch's keys
 * are given back after the decision), each once, with the longest TTL asked for it in the batch.
 */
function keysToClaim(
  launches: readonly Launch[],
  jobs: ReadonlyMap<number, JobInfoEntity>,
  limited: readonly number[],
  lockedJobs: ReadonlyMap<number, LockedJob>,
): JobIdempotencyKey[] {
  const keys = new Map<string, JobIdempotencyKey>();
  for (const launch of launches) {
    if (launch.kind !== 'api') continue;
    const job = jobs.get(launch.jobId);
    if (!job || job.appId !== launch.appId || (limited.includes(job.id) && !lockedJobs.has(job.id))) continue;
    for (const run of launch.runs) {
      if (run.idempotencyKey === null) continue;
      const id = idempotencyKeyId(job.id, run.idempotencyKey);
      const ttlMs = Math.max(run.idempotencyTtlMs, keys.get(id)?.ttlMs ?? 0);
      keys.set(id, { jobId: job.id, key: run.idempotencyKey, ttlMs });
    }
  }
  return [...keys.values()];
}

/**
 * The answer of each run of an API launch, and the runs that need a new instance: a run whose key holds a live
 * instance answers it; a later run with the key of an earlier new run (of this launch, or of an accepted launch
 * before it in the batch) answers that run's row. `firstRow` is the index the launch's first new row will get.
 */
function planRuns(
  runs: readonly LaunchRequest[],
  jobId: number,
  claims: ReadonlyMap<string, KeyClaim>,
  keyRows: ReadonlyMap<string, { row: number }>,
  firstRow: number,
): { plan: RunAnswer[]; fresh: LaunchRequest[] } {
  const plan: RunAnswer[] = [];
  const fresh: LaunchRequest[] = [];
  const ownRows = new Map<string, number>();
  for (const run of runs) {
    if (run.idempotencyKey !== null) {
      const id = idempotencyKeyId(jobId, run.idempotencyKey);
      const claim = claims.get(id);
      if (claim?.kind === 'held') {
        plan.push({ existing: claim.instanceId });
        continue;
      }
      const row = keyRows.get(id)?.row ?? ownRows.get(id);
      if (row !== undefined) {
        plan.push({ row, created: false });
        continue;
      }
      ownRows.set(id, firstRow + fresh.length);
    }
    plan.push({ row: firstRow + fresh.length, created: true });
    fresh.push(run);
  }
  return { plan, fresh };
}

/** The job and key of an idempotencyKeyId(). */
function splitKeyId(id: string): [number, string] {
  const at = id.indexOf('\u0000');
  return [Number(id.slice(0, at)), id.slice(at + 1)];
}

function skipped(reason: string): SlotOutcome {
  return { kind: 'skipped', reason };
}

import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type InstanceInfoEntity, isDuplicateEntry, JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService, EARLY_TOLERANCE_MS } from '../dispatch/dispatcher.service';
import {
  InstanceRepository,
  slotKey,
  type ActiveInstances,
  type NewInstanceOf,
} from '../instances/state/instance.repository';
import { CoalescingQueue, CoalescingQueueFullError, type ItemOutcome } from '../platform/batching/coalescing-queue';
import { retryLockConflicts } from '../platform/database/lock-conflict-retries';
import { DelayedDispatchService } from './delayed-dispatch.service';

/** One run asked for through the API. */
export interface LaunchRequest {
  instanceParams: string | null;
  delayMs: number;
}

/** What became of a timer slot. */
export type SlotOutcome =
  { kind: 'launched'; instanceId: number } | { kind: 'duplicate' } | { kind: 'skipped'; reason: string };

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
}

type Launch = ApiLaunch | SlotLaunch;
type LaunchResult = number[] | SlotOutcome;

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
  ) {}

  /** Ids of the new instances, in the order of `runs`. 404 for another app's job or a missing one, 409 past maxInstances. */
  async launchRuns(appId: number, jobId: number, runs: readonly LaunchRequest[]): Promise<number[]> {
    try {
      return (await this.queue.submit({ kind: 'api', appId, jobId, runs })) as number[];
    } catch (err) {
      // Bounded: past it, callers are told to come back instead of the server queueing without limit.
      if (err instanceof CoalescingQueueFullError)
        throw new ServiceUnavailableException(`the server is busy (${err.message}); retry later`);
      throw err;
    }
  }

  /**
   * A timer slot. Skipped (not stacked) while an earlier instance still waits for a worker or maxInstances unfinished
   * instances exist; a slot that already has its instance is a duplicate.
   */
  async launchSlot(job: JobInfoEntity, slot: number): Promise<SlotOutcome> {
    return (await this.queue.submit({ kind: 'slot', job, slot })) as SlotOutcome;
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
      // Without a limit to check there is nothing to lock, and the batch is one INSERT (insertMany opens a
      // transaction itself when it needs several): no BEGIN and COMMIT round trips for it.
      const { outcomes, inserted } =
        limited.length === 0
          ? await this.decideAndInsert(this.dataSource.manager, launches, jobs, limited)
          : await this.dataSource.transaction((tx) => this.decideAndInsert(tx, launches, jobs, limited));
      this.afterCommit(inserted);
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
  ): Promise<{ outcomes: ItemOutcome<LaunchResult>[]; inserted: Inserted[] }> {
    const now = Date.now();
    // maxInstances as of the lock (a job updated since it was read counts with its new limit).
    const maxInstances = new Map<number, number>();
    if (limited.length > 0) {
      const locked = (await tx.query(
        `SELECT id, max_instances AS maxInstances FROM job_info WHERE id IN (${limited.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`,
        limited,
      )) as { id: number | string; maxInstances: number | string }[];
      for (const row of locked) maxInstances.set(Number(row.id), Number(row.maxInstances));
    }
    // Consistent reads from here on: their snapshot is taken now, with the locks held.
    const active = await this.instances.countActiveOfJobs(tx, limited);
    const slots = launches.flatMap((l) => (l.kind === 'slot' ? [{ jobId: l.job.id, slot: l.slot }] : []));
    const taken = await this.instances.slotsWithInstances(tx, slots);

    const outcomes: (ItemOutcome<LaunchResult> | undefined)[] = [];
    const rows: { launch: number; run: NewInstanceOf; delayMs: number }[] = [];
    const pickWorker = this.workerPicker();
    const countOf = (jobId: number): ActiveInstances => {
      let counts = active.get(jobId);
      if (!counts) active.set(jobId, (counts = { total: 0, waitingForWorker: 0 }));
      return counts;
    };
    launches.forEach((launch, index) => {
      if (launch.kind === 'slot') {
        const { job, slot } = launch;
        const max = maxInstances.get(job.id);
        const counts = countOf(job.id);
        // Checked first: the slot's own instance would otherwise count as the unfinished one that skips it.
        if (taken.has(slotKey(job.id, slot))) outcomes[index] = { ok: true, value: { kind: 'duplicate' } };
        else if (max === undefined) outcomes[index] = { ok: true, value: skipped('the job no longer exists') };
        else if (counts.waitingForWorker > 0)
          outcomes[index] = { ok: true, value: skipped('the previous instance is still waiting for a worker') };
        else if (max > 0 && counts.total >= max)
          outcomes[index] = { ok: true, value: skipped(`maxInstances=${max} unfinished instances exist`) };
        else {
          taken.add(slotKey(job.id, slot));
          counts.total++;
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
                statusReason: null,
                now,
                dispatchedTo: dueSoon ? pickWorker(job) : undefined,
              },
            },
          });
        }
        return;
      }
      const job = jobs.get(launch.jobId);
      // A limited job missing under the lock was deleted since it was read.
      const deleted = job !== undefined && job.maxInstances > 0 && !maxInstances.has(job.id);
      if (!job || job.appId !== launch.appId || deleted) {
        outcomes[index] = { ok: false, error: new NotFoundException(`job ${launch.jobId} not found`) };
        return;
      }
      const max = maxInstances.get(job.id) ?? 0;
      const counts = countOf(job.id);
      if (max > 0 && counts.total + launch.runs.length > max) {
        const asked = launch.runs.length === 1 ? '' : ` (${launch.runs.length} runs asked for)`;
        outcomes[index] = {
          ok: false,
          error: new ConflictException(
            `job ${job.id} already has ${counts.total} unfinished instance(s) (maxInstances=${max})${asked}`,
          ),
        };
        return;
      }
      counts.total += launch.runs.length;
      for (const run of launch.runs) {
        rows.push({
          launch: index,
          delayMs: run.delayMs,
          run: {
            job,
            row: {
              instanceParams: run.instanceParams,
              expectedTriggerTime: now + run.delayMs,
              triggerSlot: null,
              statusReason: run.delayMs > 0 ? `scheduled in ${run.delayMs} ms` : null,
              now,
              dispatchedTo: run.delayMs > 0 ? undefined : pickWorker(job),
            },
          },
        });
      }
    });

    const entities =
      rows.length > 0
        ? await this.instances.insertMany(
            tx,
            rows.map((r) => r.run),
          )
        : [];
    const inserted: Inserted[] = [];
    const idsOf = new Map<number, number[]>();
    rows.forEach((r, i) => {
      const instance = entities[i]!;
      inserted.push({ instance, job: r.run.job, workerId: r.run.row.dispatchedTo, delayMs: r.delayMs });
      const ids = idsOf.get(r.launch) ?? [];
      ids.push(instance.id);
      idsOf.set(r.launch, ids);
    });
    const result = launches.map((launch, index): ItemOutcome<LaunchResult> => {
      const decided = outcomes[index];
      if (decided) return decided;
      const ids = idsOf.get(index) ?? [];
      return launch.kind === 'api'
        ? { ok: true, value: ids }
        : { ok: true, value: { kind: 'launched', instanceId: ids[0]! } };
    });
    return { outcomes: result, inserted };
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

  /** Sends the committed runs: RunInstance to their worker, the others to dispatch or to their delay. */
  private afterCommit(inserted: Inserted[]): void {
    for (const { instance, job, workerId, delayMs } of inserted) {
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
 * those with maxInstances, and those of timer slots (a slot is skipped while an instance waits for a worker).
 */
function limitedJobIds(jobs: ReadonlyMap<number, JobInfoEntity>, launches: readonly Launch[]): number[] {
  const slotJobs = new Set(launches.flatMap((l) => (l.kind === 'slot' ? [l.job.id] : [])));
  return [...jobs.values()]
    .filter((j) => j.maxInstances > 0 || slotJobs.has(j.id))
    .map((j) => j.id)
    .sort((a, b) => a - b);
}

function skipped(reason: string): SlotOutcome {
  return { kind: 'skipped', reason };
}

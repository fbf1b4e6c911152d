import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  Between,
  In,
  IsNull,
  LessThan,
  LessThanOrEqual,
  MoreThanOrEqual,
  Not,
  type DataSource,
  type EntityManager,
  type Repository,
} from 'typeorm';
import {
  ACTIVE_INSTANCE_STATUSES,
  chunkBySize,
  type HoldReason,
  InstanceStatus,
  TimeExpressionType,
} from '@jobnest/common';
import { InstanceInfoEntity, isDuplicateEntry, JobInfoEntity } from '@jobnest/persistence';

/** Filter of an app's instance list; `since`/`until` bound expectedTriggerTime (epoch ms, until excluded). */
export interface InstanceFilter {
  jobId?: number;
  status?: InstanceStatus;
  since?: number;
  until?: number;
}

/** A job's unfinished instances, and among them those a dispatch attempt found no eligible worker for. */
export interface ActiveInstances {
  total: number;
  waitingForWorker: number;
}

/** The row of a new instance, WAITING_DISPATCH. */
export interface NewInstance {
  instanceParams: string | null;
  expectedTriggerTime: number;
  /** A timer slot (unique per job), or null for an API run. */
  triggerSlot: number | null;
  statusReason: string | null;
  now: number;
  /** Set when the instance is a node of a workflow instance. */
  workflowNode?: WorkflowNodeRun;
  /**
   * Dispatched with its insert: the row starts as run 1 on this worker (WAITING_WORKER_RECEIVE), and the caller
   * sends RunInstance after its transaction commits (DispatcherService.sendRun).
   */
  dispatchedTo?: string;
  /** The API run's idempotency key, shown on the instance. */
  idempotencyKey?: string;
  /** Among waiting instances, higher starts first (Default: 0). */
  priority?: number;
  /** Set for an instance of a job under flow control. */
  flow?: NewInstanceFlow;
}

/** The flow-control columns of a new instance. */
export interface NewInstanceFlow {
  /** Its concurrency key ('' for none). */
  key: string;
  /** What holds it (null: nothing). */
  heldBy: HoldReason | null;
  /** When it was let through (null: not yet). */
  admittedTime: number | null;
}

/** What makes a job instance a workflow node: where it belongs, its context and the node's overrides. */
export interface WorkflowNodeRun {
  workflowInstanceId: number;
  nodeId: string;
  attempt: number;
  context: string;
  jobParamsOverride: string | null;
  instanceRetriesOverride: number | null;
  timeLimitOverrideMs: number | null;
}

/** The columns of an instance row a batch of status reports decides on. */
export type LockedInstanceRow = Pick<
  InstanceInfoEntity,
  | 'id'
  | 'appId'
  | 'jobId'
  | 'status'
  | 'workerId'
  | 'runningTimes'
  | 'triggerSlot'
  | 'wfInstanceId'
  | 'instanceRetriesOverride'
  | 'flowKey'
>;

/** A new instance row and the job it is an instance of. */
export interface NewInstanceOf {
  job: JobInfoEntity;
  row: NewInstance;
}

/** Most rows per INSERT statement. */
const INSERT_ROWS = 1000;
/** Most bytes of text values per INSERT statement (MariaDB's max_allowed_packet is 16 MB by default). */
const INSERT_BYTES = 4 * 1024 * 1024;

/** The key of a (job, slot) pair in slotsWithInstances(). */
export function slotKey(jobId: number, slot: number): string {
  return `${jobId}:${slot}`;
}

/** The columns a new instance row is inserted with, and their values (the others keep their defaults). */
function insertColumns(e: InstanceInfoEntity): [string, unknown][] {
  return [
    ['app_id', e.appId],
    ['job_id', e.jobId],
    ['status', e.status],
    ['status_reason', e.statusReason],
    ['waiting_for_worker', 0],
    ['worker_id', e.workerId],
    ['running_times', e.runningTimes],
    ['instance_params', e.instanceParams],
    ['trigger_slot', e.triggerSlot],
    ['expected_trigger_time', e.expectedTriggerTime],
    ['actual_trigger_time', e.actualTriggerTime],
    ['status_time', e.statusTime],
    ['resume_next', 0],
    ['takeovers', 0],
    ['wf_instance_id', e.wfInstanceId],
    ['wf_node_id', e.wfNodeId],
    ['wf_attempt', e.wfAttempt],
    ['wf_context', e.wfContext],
    ['job_params_override', e.jobParamsOverride],
    ['instance_retries_override', e.instanceRetriesOverride],
    ['time_limit_override_ms', e.timeLimitOverrideMs],
    ['idempotency_key', e.idempotencyKey],
    ['flow_key', e.flowKey],
    ['priority', e.priority],
    ['held_by', e.heldBy],
    ['admitted_time', e.admittedTime],
  ];
}

/** Consecutive chunks of at most `maxRows` entities and about INSERT_BYTES of text each. */
function insertChunks(entities: InstanceInfoEntity[], maxRows: number): InstanceInfoEntity[][] {
  return chunkBySize(entities, {
    maxItems: maxRows,
    maxSize: INSERT_BYTES,
    sizeOf: (e) =>
      512 + (e.instanceParams?.length ?? 0) + (e.wfContext?.length ?? 0) + (e.jobParamsOverride?.length ?? 0),
  });
}

/** Where the RUNNING scan stands: the last row of the previous page. */
export interface RunningScanCursor {
  expectedTriggerTime: number;
  id: number;
}

/** An active run past its job's time limit. */
export interface OverdueRun {
  id: number;
  appId: number;
  workerId: string | null;
  limitMs: number;
}

/** An unfinished instance as much as stopping it takes: which worker to tell, and whose instance it is. */
export type InstanceToStop = Pick<InstanceInfoEntity, 'id' | 'jobId' | 'appId' | 'workerId'>;

/**
 * Every read of `instance_info`, and the insert of new instances. Status changes are not here: they go through
 * InstanceTransitions, one conditional UPDATE each.
 */
@Injectable()
export class InstanceRepository {
  private readonly rows: Repository<InstanceInfoEntity>;
  /** autoIncrementStep(): null until read. */
  private idStep: number | undefined | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(InstanceInfoEntity);
  }

  findById(id: number): Promise<InstanceInfoEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** The instance if it belongs to the app (null otherwise, like a missing one). */
  findOfApp(appId: number, id: number): Promise<InstanceInfoEntity | null> {
    return this.rows.findOneBy({ id, appId });
  }

  /** One page of an app's instances, newest first, and how many match in all. */
  pageOfApp(
    appId: number,
    filter: InstanceFilter,
    offset: number,
    limit: number,
  ): Promise<[InstanceInfoEntity[], number]> {
    const due =
      filter.since !== undefined && filter.until !== undefined
        ? Between(filter.since, filter.until - 1)
        : filter.since !== undefined
          ? MoreThanOrEqual(filter.since)
          : filter.until !== undefined
            ? LessThan(filter.until)
            : undefined;
    return this.rows.findAndCount({
      where: {
        appId,
        ...(filter.jobId !== undefined ? { jobId: filter.jobId } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(due !== undefined ? { expectedTriggerTime: due } : {}),
      },
      order: { id: 'DESC' },
      skip: offset,
      take: limit,
    });
  }

  /** How many of the app's instances fell due in each `bucketMs` since `sinceMs`, by status (one grouped query). */
  async countByBucketAndStatus(
    appId: number,
    sinceMs: number,
    bucketMs: number,
  ): Promise<{ bucket: number; status: InstanceStatus; count: number }[]> {
    const rows = (await this.rows.query(
      `SELECT FLOOR((expected_trigger_time - ?) / ?) AS bucket, status, COUNT(*) AS count
       FROM instance_info WHERE app_id = ? AND expected_trigger_time >= ?
       GROUP BY bucket, status ORDER BY bucket`,
      [sinceMs, bucketMs, appId, sinceMs],
    )) as { bucket: string | number; status: InstanceStatus; count: string | number }[];
    return rows.map((row) => ({ bucket: Number(row.bucket), status: row.status, count: Number(row.count) }));
  }

  /**
   * Reads and locks the rows of `ids` in `tx` (SELECT ... FOR UPDATE, in id order, so two batches never wait for
   * each other in a cycle): what the caller decides from them holds until its transaction ends.
   */
  lockRows(tx: EntityManager, ids: readonly number[]): Promise<Map<number, LockedInstanceRow>> {
    return this.decisionRows(tx, ids, true);
  }

  /** As lockRows, without locking: for a caller whose write checks the row is still as read. */
  readRows(ids: readonly number[]): Promise<Map<number, LockedInstanceRow>> {
    return this.decisionRows(this.dataSource.manager, ids, false);
  }

  private async decisionRows(
    tx: EntityManager,
    ids: readonly number[],
    lock: boolean,
  ): Promise<Map<number, LockedInstanceRow>> {
    const locked = new Map<number, LockedInstanceRow>();
    if (ids.length === 0) return locked;
    const rows = (await tx.query(
      `SELECT id, app_id AS appId, job_id AS jobId, status, worker_id AS workerId, running_times AS runningTimes,
              trigger_slot AS triggerSlot, wf_instance_id AS wfInstanceId,
              instance_retries_override AS instanceRetriesOverride, flow_key AS flowKey
         FROM instance_info WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id${lock ? ' FOR UPDATE' : ''}`,
      [...ids],
    )) as Record<keyof LockedInstanceRow, string | number | null>[];
    const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
    for (const r of rows) {
      locked.set(Number(r.id), {
        id: Number(r.id),
        appId: Number(r.appId),
        jobId: Number(r.jobId),
        status: r.status as InstanceStatus,
        workerId: r.workerId === null ? null : String(r.workerId),
        runningTimes: Number(r.runningTimes),
        triggerSlot: num(r.triggerSlot),
        wfInstanceId: num(r.wfInstanceId),
        instanceRetriesOverride: num(r.instanceRetriesOverride),
        flowKey: r.flowKey === null ? null : String(r.flowKey),
      });
    }
    return locked;
  }

  /** The app of each of these instances that exists (one SELECT by primary key). */
  async appsOf(ids: readonly number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.rows.find({ select: { id: true, appId: true }, where: { id: In([...ids]) } });
    return new Map(rows.map((i) => [i.id, i.appId]));
  }

  /**
   * Unfinished instances of each job, counted in `tx`, whose caller holds the jobs' row locks, so concurrent launches
   * cannot both pass a limit. One statement, read from the (job_id, status, waiting_for_worker) index alone; a job
   * without unfinished instances is absent from the map.
   */
  async countActiveOfJobs(tx: EntityManager, jobIds: readonly number[]): Promise<Map<number, ActiveInstances>> {
    const counts = new Map<number, ActiveInstances>();
    if (jobIds.length === 0) return counts;
    const rows = await tx
      .getRepository(InstanceInfoEntity)
      .createQueryBuilder('i')
      .select('i.job_id', 'jobId')
      .addSelect('COUNT(*)', 'total')
      .addSelect('SUM(i.status = :waiting AND i.waiting_for_worker = 1)', 'waitingForWorker')
      .where('i.job_id IN (:...jobIds)', { jobIds })
      .andWhere('i.status IN (:...statuses)', { statuses: [...ACTIVE_INSTANCE_STATUSES] })
      .setParameters({ waiting: InstanceStatus.WAITING_DISPATCH })
      .groupBy('i.job_id')
      .getRawMany<{ jobId: string | number; total: string | number; waitingForWorker: string | number | null }>();
    for (const r of rows) {
      counts.set(Number(r.jobId), { total: Number(r.total), waitingForWorker: Number(r.waitingForWorker ?? 0) });
    }
    return counts;
  }

  /**
   * Which of the (job, slot) pairs already have their instance, as `jobId:slot` keys: one statement on the unique
   * (job_id, trigger_slot) index. `tx`: inside the launch transaction, so the answer holds under the jobs' locks.
   */
  async slotsWithInstances(tx: EntityManager, slots: readonly { jobId: number; slot: number }[]): Promise<Set<string>> {
    if (slots.length === 0) return new Set();
    const rows = await tx
      .getRepository(InstanceInfoEntity)
      .createQueryBuilder('i')
      .select('i.job_id', 'jobId')
      .addSelect('i.trigger_slot', 'slot')
      .where('i.job_id IN (:...jobIds)', { jobIds: [...new Set(slots.map((s) => s.jobId))] })
      .andWhere('i.trigger_slot IN (:...slots)', { slots: [...new Set(slots.map((s) => s.slot))] })
      .getRawMany<{ jobId: string | number; slot: string | number }>();
    return new Set(rows.map((r) => slotKey(Number(r.jobId), Number(r.slot))));
  }

  /** The unfinished instances of these jobs, read in `tx`, as much of each as stopping it takes. */
  activeOfJobs(tx: EntityManager, jobIds: readonly number[]): Promise<InstanceToStop[]> {
    if (jobIds.length === 0) return Promise.resolve([]);
    return tx.getRepository(InstanceInfoEntity).find({
      select: { id: true, jobId: true, appId: true, workerId: true },
      where: { jobId: In([...jobIds]), status: In([...ACTIVE_INSTANCE_STATUSES]) },
    });
  }

  /** Unfinished instances of a job (outside any transaction). */
  countActiveOfJob(jobId: number): Promise<number> {
    return this.rows.countBy({ jobId, status: In([...ACTIVE_INSTANCE_STATUSES]) });
  }

  /**
   * Inserts new instances in `tx` with multi-row INSERTs (up to INSERT_ROWS rows or INSERT_BYTES of values each),
   * without reading them back: the entities are completed in memory and their ids derived from the statement's
   * first id. That holds when MariaDB gives a multi-row INSERT consecutive ids (innodb_autoinc_lock_mode 0 or 1,
   * the default 1); under mode 2 ids may interleave with other sessions', so each row is then its own INSERT.
   * `tx` may be outside a transaction: a single statement commits by itself, several are wrapped in one.
   */
  async insertMany(tx: EntityManager, rows: readonly NewInstanceOf[]): Promise<InstanceInfoEntity[]> {
    const entities = rows.map(({ job, row }) => this.newEntity(job, row));
    const step = await this.autoIncrementStep(tx);
    const chunks = insertChunks(entities, step === undefined ? 1 : INSERT_ROWS);
    // All or none: several statements outside a transaction get one (a single statement is atomic by itself).
    if (chunks.length > 1 && !tx.queryRunner?.isTransactionActive) {
      return tx.transaction(async (inner) => this.insertChunks(inner, chunks, step));
    }
    return this.insertChunks(tx, chunks, step);
  }

  private async insertChunks(
    tx: EntityManager,
    chunks: InstanceInfoEntity[][],
    step: number | undefined,
  ): Promise<InstanceInfoEntity[]> {
    for (const chunk of chunks) {
      const columns = insertColumns(chunk[0]!).map(([name]) => name);
      const values = chunk.flatMap((e) => insertColumns(e).map(([, v]) => v));
      const result = (await tx.query(
        `INSERT INTO instance_info (${columns.join(', ')}) VALUES ${chunk
          .map(() => `(${columns.map(() => '?').join(', ')})`)
          .join(', ')}`,
        values,
      )) as { insertId: number | string };
      const first = Number(result.insertId);
      chunk.forEach((e, i) => (e.id = first + i * (step ?? 0)));
    }
    return chunks.flat();
  }

  /**
   * The id step between the rows of one multi-row INSERT (auto_increment_increment), or undefined when their ids
   * may not be consecutive (innodb_autoinc_lock_mode 2). Read once per process.
   */
  private async autoIncrementStep(tx: EntityManager): Promise<number | undefined> {
    if (this.idStep === null) {
      const [row] = (await tx.query(
        'SELECT @@innodb_autoinc_lock_mode AS lockMode, @@auto_increment_increment AS increment',
      )) as { lockMode: number | string; increment: number | string }[];
      this.idStep = Number(row?.lockMode) <= 1 ? Number(row?.increment ?? 1) : undefined;
    }
    return this.idStep;
  }

  /**
   * Inserts a workflow node's instance only while its workflow instance is RUNNING, in one statement (INSERT ...
   * SELECT): a stop that committed first leaves nothing to launch, one that commits after finds the instance and
   * stops it. Null when nothing was inserted: the workflow instance no longer runs, or another server inserted the
   * node's run already (its unique (workflow instance, node, attempt) key).
   */
  async insertWorkflowNode(
    job: JobInfoEntity,
    row: NewInstance & { workflowNode: WorkflowNodeRun },
  ): Promise<InstanceInfoEntity | null> {
    const e = this.newEntity(job, row);
    const columns = insertColumns(e);
    try {
      const result = (await this.dataSource.query(
        `INSERT INTO instance_info (${columns.map(([c]) => c).join(', ')})
         SELECT ${columns.map(() => '?').join(', ')} FROM workflow_instance WHERE id = ? AND status = 'RUNNING'`,
        [...columns.map(([, v]) => v), row.workflowNode.workflowInstanceId],
      )) as { insertId: number | string; affectedRows: number };
      if (result.affectedRows !== 1) return null;
      e.id = Number(result.insertId);
      return e;
    } catch (err) {
      if (isDuplicateEntry(err)) return null;
      throw err;
    }
  }

  /** The entity of a new instance row (its id is set once inserted). */
  private newEntity(job: JobInfoEntity, row: NewInstance): InstanceInfoEntity {
    const dispatched = row.dispatchedTo !== undefined;
    const entity = this.rows.create({
      appId: job.appId,
      jobId: job.id,
      status: dispatched ? InstanceStatus.WAITING_WORKER_RECEIVE : InstanceStatus.WAITING_DISPATCH,
      statusReason: row.statusReason,
      waitingForWorker: false,
      result: null,
      workerId: row.dispatchedTo ?? null,
      runningTimes: dispatched ? 1 : 0,
      instanceParams: row.instanceParams,
      triggerSlot: row.triggerSlot,
      expectedTriggerTime: row.expectedTriggerTime,
      // A timer slot dispatched ahead starts at its slot (the worker waits for notBefore).
      actualTriggerTime: dispatched ? Math.max(row.now, row.expectedTriggerTime) : null,
      finishedTime: null,
      statusTime: row.now,
      taskCounts: null,
      resumeNext: false,
      takeovers: 0,
      wfInstanceId: row.workflowNode?.workflowInstanceId ?? null,
      wfNodeId: row.workflowNode?.nodeId ?? null,
      wfAttempt: row.workflowNode?.attempt ?? null,
      wfContext: row.workflowNode?.context ?? null,
      wfContextAdditions: null,
      jobParamsOverride: row.workflowNode?.jobParamsOverride ?? null,
      instanceRetriesOverride: row.workflowNode?.instanceRetriesOverride ?? null,
      timeLimitOverrideMs: row.workflowNode?.timeLimitOverrideMs ?? null,
      idempotencyKey: row.idempotencyKey ?? null,
      flowKey: row.flow?.key ?? null,
      priority: row.priority ?? 0,
      heldBy: row.flow?.heldBy ?? null,
      admittedTime: row.flow?.admittedTime ?? null,
    });
    entity.createdAt = entity.updatedAt = new Date(row.now);
    return entity;
  }

  /**
   * Ids of up to `limit` WAITING_DISPATCH instances expected by `dueBy` and not held by flow control, the highest
   * priority first, then the longest due.
   */
  async dueWaitingIds(dueBy: number, limit: number): Promise<number[]> {
    const due = await this.rows.find({
      select: { id: true },
      where: { status: InstanceStatus.WAITING_DISPATCH, expectedTriggerTime: LessThanOrEqual(dueBy), heldBy: IsNull() },
      order: { priority: 'DESC', expectedTriggerTime: 'ASC' },
      take: limit,
    });
    return due.map((i) => i.id);
  }

  /** Up to `limit` instances dispatched and not yet reported RUNNING, the longest waiting first. */
  awaitingReceipt(limit: number): Promise<InstanceInfoEntity[]> {
    return this.rows.find({
      where: { status: InstanceStatus.WAITING_WORKER_RECEIVE },
      order: { statusTime: 'ASC' },
      take: limit,
    });
  }

  /** The worker of the instance's current run (null when none, or no such instance). */
  async currentWorker(id: number): Promise<string | null> {
    const row = await this.rows.findOne({ select: { id: true, workerId: true }, where: { id } });
    return row?.workerId ?? null;
  }

  /**
   * One page of RUNNING instances along idx_instance_status_expected (expected trigger time, then id), after
   * `after`: a keyset cursor, no OFFSET, so a full scan costs one index range per page.
   */
  runningPage(after: RunningScanCursor | undefined, limit: number): Promise<InstanceInfoEntity[]> {
    const query = this.rows.createQueryBuilder('i').where('i.status = :status', { status: InstanceStatus.RUNNING });
    if (after) {
      query.andWhere('(i.expected_trigger_time > :time OR (i.expected_trigger_time = :time AND i.id > :id))', {
        time: after.expectedTriggerTime,
        id: after.id,
      });
    }
    return query.orderBy('i.expected_trigger_time', 'ASC').addOrderBy('i.id', 'ASC').limit(limit).getMany();
  }

  /** Up to `limit` dispatched or running instances whose status is older than their job's time limit plus `graceMs`. */
  async pastTimeLimit(now: number, graceMs: number, limit: number): Promise<OverdueRun[]> {
    const rows = await this.rows
      .createQueryBuilder('i')
      .innerJoin(JobInfoEntity, 'j', 'j.id = i.job_id')
      .where('i.status IN (:...statuses)', {
        statuses: [InstanceStatus.WAITING_WORKER_RECEIVE, InstanceStatus.RUNNING],
      })
      // A workflow node may replace its job's limit.
      .andWhere('COALESCE(i.time_limit_override_ms, j.instance_time_limit_ms) > 0')
      .andWhere('i.status_time + COALESCE(i.time_limit_override_ms, j.instance_time_limit_ms) + :grace < :now', {
        grace: graceMs,
        now,
      })
      .select([
        'i.id AS id',
        'i.app_id AS appId',
        'i.worker_id AS workerId',
        'COALESCE(i.time_limit_override_ms, j.instance_time_limit_ms) AS limitMs',
      ])
      .limit(limit)
      .getRawMany<{ id: number | string; appId: number | string; workerId: string | null; limitMs: number | string }>();
    return rows.map((r) => ({
      id: Number(r.id),
      appId: Number(r.appId),
      workerId: r.workerId,
      limitMs: Number(r.limitMs),
    }));
  }

  /**
   * Whether the slot already has its instance (the unique (job_id, trigger_slot) index answers). A trigger replayed
   * after a crash, or taken late after another server fired its slot, must not count that slot skipped or misfired.
   * (A launch checks its slots under the jobs' locks with slotsWithInstances.)
   */
  slotHasInstance(jobId: number, slot: number): Promise<boolean> {
    return this.rows.exists({ where: { jobId, triggerSlot: slot } });
  }

  /** The newest timer slot that created an instance of the job (0 when none). */
  async lastTriggerSlot(jobId: number): Promise<number> {
    const row = await this.rows
      .createQueryBuilder('i')
      .select('MAX(i.trigger_slot)', 'slot')
      .where('i.job_id = :jobId', { jobId })
      .getRawOne<{ slot: string | number | null }>();
    return Number(row?.slot ?? 0);
  }

  /** Id of the job's newest instance created by a timer slot, if any. */
  async lastTimedInstanceId(jobId: number): Promise<number | undefined> {
    const last = await this.rows.findOne({
      select: { id: true },
      where: { jobId, triggerSlot: Not(IsNull()) },
      order: { id: 'DESC' },
    });
    return last?.id;
  }

  /**
   * The job of a timer-created instance when it is an enabled FIXED_DELAY job (its chain re-arms when the instance
   * ends), else null. One query, which finds nothing for every other instance.
   */
  fixedDelayJobOfTimedInstance(instanceId: number): Promise<JobInfoEntity | null> {
    return this.dataSource
      .getRepository(JobInfoEntity)
      .createQueryBuilder('j')
      .innerJoin(InstanceInfoEntity, 'i', 'i.job_id = j.id')
      .where('i.id = :instanceId', { instanceId })
      .andWhere('i.trigger_slot IS NOT NULL')
      .andWhere('j.enabled = 1 AND j.time_expression_type = :type', { type: TimeExpressionType.FIXED_DELAY })
      .getOne();
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, IsNull, LessThanOrEqual, Not, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, InstanceStatus, TimeExpressionType } from '@jobnest/common';
import { InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';

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

/** Where the RUNNING scan stands: the last row of the previous page. */
export interface RunningScanCursor {
  expectedTriggerTime: number;
  id: number;
}

/** An active run past its job's time limit. */
export interface OverdueRun {
  id: number;
  workerId: string | null;
  limitMs: number;
}

/**
 * Every read of `instance_info`, and the insert of new instances. Status changes are not here: they go through
 * InstanceTransitions, one conditional UPDATE each.
 */
@Injectable()
export class InstanceRepository {
  private readonly rows: Repository<InstanceInfoEntity>;

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
    filter: { jobId?: number; status?: InstanceStatus },
    offset: number,
    limit: number,
  ): Promise<[InstanceInfoEntity[], number]> {
    return this.rows.findAndCount({
      where: {
        appId,
        ...(filter.jobId !== undefined ? { jobId: filter.jobId } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
      },
      order: { id: 'DESC' },
      skip: offset,
      take: limit,
    });
  }

  /** Which of `ids` exist. */
  async existingIds(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    return (await this.rows.find({ select: { id: true }, where: { id: In(ids) } })).map((i) => i.id);
  }

  /**
   * Counts in `tx`, whose caller holds the job's row lock, so concurrent launches cannot both pass a limit. One
   * statement, read from the (job_id, status, waiting_for_worker) index alone.
   */
  async countActive(tx: EntityManager, jobId: number): Promise<ActiveInstances> {
    const [row] = await tx
      .getRepository(InstanceInfoEntity)
      .createQueryBuilder('i')
      .select('COUNT(*)', 'total')
      .addSelect('SUM(i.status = :waiting AND i.waiting_for_worker = 1)', 'waitingForWorker')
      .where('i.job_id = :jobId', { jobId })
      .andWhere('i.status IN (:...statuses)', { statuses: [...ACTIVE_INSTANCE_STATUSES] })
      .setParameters({ waiting: InstanceStatus.WAITING_DISPATCH })
      .getRawMany<{ total: string | number; waitingForWorker: string | number | null }>();
    return { total: Number(row?.total ?? 0), waitingForWorker: Number(row?.waitingForWorker ?? 0) };
  }

  /** Unfinished instances of a job (outside any transaction). */
  countActiveOfJob(jobId: number): Promise<number> {
    return this.rows.countBy({ jobId, status: In([...ACTIVE_INSTANCE_STATUSES]) });
  }

  /**
   * Inserts a WAITING_DISPATCH instance of `job` in `tx`: one INSERT (TypeORM's save() would read the row back for
   * its defaults, a second round trip on every launch), the entity completed in memory from what was written.
   */
  async insertWaiting(tx: EntityManager, job: JobInfoEntity, row: NewInstance): Promise<InstanceInfoEntity> {
    const repo = tx.getRepository(InstanceInfoEntity);
    const entity = this.newEntity(job, row);
    const { createdAt: _created, updatedAt: _updated, ...values } = entity;
    const result = await repo.createQueryBuilder().insert().values(values).updateEntity(false).execute();
    entity.id = Number((result.raw as { insertId: number | string }).insertId);
    return entity;
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
    const columns: [string, unknown][] = [
      ['app_id', e.appId],
      ['job_id', e.jobId],
      ['status', e.status],
      ['status_reason', e.statusReason],
      ['waiting_for_worker', 0],
      ['worker_id', e.workerId],
      ['running_times', e.runningTimes],
      ['instance_params', e.instanceParams],
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
    ];
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
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return null;
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
      actualTriggerTime: dispatched ? row.now : null,
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
    });
    entity.createdAt = entity.updatedAt = new Date(row.now);
    return entity;
  }

  /** Ids of up to `limit` WAITING_DISPATCH instances expected by `dueBy`, the longest due first. */
  async dueWaitingIds(dueBy: number, limit: number): Promise<number[]> {
    const due = await this.rows.find({
      select: { id: true },
      where: { status: InstanceStatus.WAITING_DISPATCH, expectedTriggerTime: LessThanOrEqual(dueBy) },
      order: { expectedTriggerTime: 'ASC' },
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
        'i.worker_id AS workerId',
        'COALESCE(i.time_limit_override_ms, j.instance_time_limit_ms) AS limitMs',
      ])
      .limit(limit)
      .getRawMany<{ id: number | string; workerId: string | null; limitMs: number | string }>();
    return rows.map((r) => ({ id: Number(r.id), workerId: r.workerId, limitMs: Number(r.limitMs) }));
  }

  /**
   * Whether the slot already has its instance (the unique (job_id, trigger_slot) index answers). A trigger replayed
   * after a crash, or taken late after another server fired its slot, must not count that slot skipped or misfired.
   * `tx`: inside the launch transaction, so the answer holds under the job's lock.
   */
  async slotHasInstance(jobId: number, slot: number, tx?: EntityManager): Promise<boolean> {
    const rows = tx ? tx.getRepository(InstanceInfoEntity) : this.rows;
    return rows.exists({ where: { jobId, triggerSlot: slot } });
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

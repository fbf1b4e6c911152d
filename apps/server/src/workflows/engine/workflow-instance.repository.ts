import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, IsNull, LessThanOrEqual, type DataSource, type EntityManager, type Repository } from 'typeorm';
import {
  InstanceStatus,
  WorkflowInstanceStatus,
  WorkflowNodeType,
  type WorkflowContext,
  type WorkflowDag,
} from '@jobnest/common';
import {
  InstanceInfoEntity,
  isDuplicateEntry,
  WorkflowInstanceEntity,
  type WorkflowNodeState,
} from '@jobnest/persistence';
import { clipReason } from '../../instances/state/status-reason';
import type { ChildInstanceFact, NodeInstanceFact } from './workflow-plan';

/** A JSON object string as an object ({} when it is not one). */
export function parseContext(json: string | null): WorkflowContext {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as WorkflowContext) : {};
  } catch {
    return {};
  }
}

/** A row of jobRuns' statement (BIGINTs come back as strings). */
interface JobRunRow {
  id: number | string;
  nodeId: string | null;
  attempt: number | string | null;
  status: InstanceStatus;
  result: string | null;
  reason: string | null;
  startTime: number | string | null;
  endTime: number | string | null;
  additions: string | null;
}

/** The row of a new workflow instance. */
export interface NewWorkflowInstance {
  appId: number;
  workflowId: number;
  dag: WorkflowDag;
  continueOnFailure: boolean;
  nodeStates: Record<string, WorkflowNodeState>;
  status: WorkflowInstanceStatus.WAITING | WorkflowInstanceStatus.RUNNING | WorkflowInstanceStatus.FAILED;
  statusReason: string | null;
  initParams: string | null;
  expectedTriggerTime: number;
  triggerSlot: number | null;
  buffered: boolean;
  parent: { instanceId: number; nodeId: string; attempt: number } | null;
  depth: number;
  now: number;
}

/** What a transition writes, applied only if the row is still at `version` (and RUNNING). */
export interface TransitionWrite {
  nodeStates: Record<string, WorkflowNodeState>;
  context: string;
  status: WorkflowInstanceStatus;
  result?: string | null;
  statusReason?: string | null;
  finishedTime?: number | null;
}

/**
 * Reads and writes of `workflow_instance`, and the reads of the job instances that are its nodes. Every change of
 * a row is conditional on its `version`, so two servers never both apply a transition from the same state.
 */
@Injectable()
export class WorkflowInstanceRepository {
  private readonly rows: Repository<WorkflowInstanceEntity>;
  private readonly jobInstances: Repository<InstanceInfoEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(WorkflowInstanceEntity);
    this.jobInstances = dataSource.getRepository(InstanceInfoEntity);
  }

  findById(id: number): Promise<WorkflowInstanceEntity | null> {
    return this.rows.findOneBy({ id });
  }

  findOfApp(appId: number, id: number): Promise<WorkflowInstanceEntity | null> {
    return this.rows.findOneBy({ id, appId });
  }

  /** One page of an app's top-level and child workflow instances, newest first. */
  pageOfApp(
    appId: number,
    filter: { workflowId?: number; status?: WorkflowInstanceStatus },
    offset: number,
    limit: number,
  ): Promise<[WorkflowInstanceEntity[], number]> {
    return this.rows.findAndCount({
      where: {
        appId,
        ...(filter.workflowId !== undefined ? { workflowId: filter.workflowId } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
      },
      order: { id: 'DESC' },
      skip: offset,
      take: limit,
    });
  }

  /** The workflow instance a job instance is a node of (null for a plain job instance). */
  async workflowOfJobInstance(instanceId: number): Promise<number | null> {
    const row = await this.jobInstances.findOne({
      select: { id: true, wfInstanceId: true },
      where: { id: instanceId },
    });
    return row?.wfInstanceId ?? null;
  }

  /**
   * The job instances of a workflow instance's JOB nodes, every attempt: one statement on its unique key, read as
   * plain rows (every transition of a wide DAG reads them all; entity hydration cost more than the query).
   */
  async jobRuns(workflowInstanceId: number): Promise<NodeInstanceFact[]> {
    const rows = await this.dataSource.query<JobRunRow[]>(
      `SELECT id, wf_node_id AS nodeId, wf_attempt AS attempt, status, result, status_reason AS reason,
              COALESCE(actual_trigger_time, status_time) AS startTime, finished_time AS endTime,
              wf_context_additions AS additions
         FROM instance_info WHERE wf_instance_id = ?`,
      [workflowInstanceId],
    );
    return rows.map((r) => ({
      nodeId: r.nodeId ?? '',
      attempt: Number(r.attempt ?? 0),
      instanceId: Number(r.id),
      status: r.status,
      // A failure's reason (no worker, time limit, retries used up) is its result where the worker sent none.
      result: r.result ?? (r.status === InstanceStatus.SUCCEEDED ? null : r.reason),
      startTime: r.startTime === null ? null : Number(r.startTime),
      endTime: r.endTime === null ? null : Number(r.endTime),
      additions: r.status === InstanceStatus.SUCCEEDED ? parseContext(r.additions) : null,
    }));
  }

  /**
   * The child workflow instances of a workflow instance's NESTED_WORKFLOW nodes, every attempt; no query when its
   * DAG nests nothing.
   */
  async childRuns(wf: Pick<WorkflowInstanceEntity, 'id' | 'dag'>): Promise<ChildInstanceFact[]> {
    if (!wf.dag.nodes.some((n) => n.type === WorkflowNodeType.NESTED_WORKFLOW)) return [];
    const rows = await this.rows.find({ where: { parentInstanceId: wf.id } });
    return rows.map((r) => ({
      nodeId: r.parentNodeId ?? '',
      attempt: r.parentAttempt ?? 0,
      instanceId: r.id,
      status: r.status,
      result: r.result,
      reason: r.statusReason,
      startTime: r.actualTriggerTime,
      endTime: r.finishedTime,
      additions: r.status === WorkflowInstanceStatus.SUCCEEDED ? childAdditions(r) : null,
    }));
  }

  /** Inserts a workflow instance in `tx`: one INSERT, the entity completed in memory (as insertWaiting does). */
  async insert(tx: EntityManager, row: NewWorkflowInstance): Promise<WorkflowInstanceEntity> {
    const repo = tx.getRepository(WorkflowInstanceEntity);
    const entity = repo.create({
      appId: row.appId,
      workflowId: row.workflowId,
      status: row.status,
      statusReason: row.statusReason === null ? null : clipReason(row.statusReason),
      dag: row.dag,
      continueOnFailure: row.continueOnFailure,
      nodeStates: row.nodeStates,
      initParams: row.initParams,
      context: JSON.stringify(parseContext(row.initParams)),
      result: null,
      version: 0,
      triggerSlot: row.triggerSlot,
      buffered: row.buffered,
      expectedTriggerTime: row.expectedTriggerTime,
      actualTriggerTime: row.status === WorkflowInstanceStatus.RUNNING ? row.now : null,
      finishedTime: row.status === WorkflowInstanceStatus.FAILED ? row.now : null,
      statusTime: row.now,
      parentInstanceId: row.parent?.instanceId ?? null,
      parentNodeId: row.parent?.nodeId ?? null,
      parentAttempt: row.parent?.attempt ?? null,
      depth: row.depth,
    });
    const { createdAt: _created, updatedAt: _updated, ...values } = entity;
    const result = await repo.createQueryBuilder().insert().values(values).updateEntity(false).execute();
    entity.id = Number((result.raw as { insertId: number | string }).insertId);
    entity.createdAt = entity.updatedAt = new Date(row.now);
    return entity;
  }

  /**
   * Inserts a nested child only while its parent is RUNNING (INSERT ... SELECT, as for a node's job instance);
   * null when nothing was inserted: the parent no longer runs, or the node's child of that attempt exists already.
   */
  async insertChild(row: NewWorkflowInstance & { parent: NonNullable<NewWorkflowInstance['parent']> }) {
    const columns: [string, unknown][] = [
      ['app_id', row.appId],
      ['workflow_id', row.workflowId],
      ['status', row.status],
      ['dag', JSON.stringify(row.dag)],
      ['continue_on_failure', row.continueOnFailure ? 1 : 0],
      ['node_states', JSON.stringify(row.nodeStates)],
      ['init_params', row.initParams],
      ['context', JSON.stringify(parseContext(row.initParams))],
      ['version', 0],
      ['buffered', 0],
      ['expected_trigger_time', row.expectedTriggerTime],
      ['actual_trigger_time', row.now],
      ['status_time', row.now],
      ['parent_instance_id', row.parent.instanceId],
      ['parent_node_id', row.parent.nodeId],
      ['parent_attempt', row.parent.attempt],
      ['depth', row.depth],
    ];
    try {
      const result = (await this.dataSource.query(
        `INSERT INTO workflow_instance (${columns.map(([c]) => c).join(', ')})
         SELECT ${columns.map(() => '?').join(', ')} FROM workflow_instance p WHERE p.id = ? AND p.status = ?`,
        [...columns.map(([, v]) => v), row.parent.instanceId, WorkflowInstanceStatus.RUNNING],
      )) as { insertId: number | string; affectedRows: number };
      return result.affectedRows === 1 ? Number(result.insertId) : null;
    } catch (err) {
      if (isDuplicateEntry(err)) return null;
      throw err;
    }
  }

  /**
   * Writes a transition if the row is still at `version` and in one of `from`; false when another server moved it
   * first (the caller reads again and recomputes).
   */
  async writeTransition(
    tx: EntityManager,
    id: number,
    version: number,
    from: readonly WorkflowInstanceStatus[],
    write: TransitionWrite,
    now: number,
  ): Promise<boolean> {
    const result = await tx
      .createQueryBuilder()
      .update(WorkflowInstanceEntity)
      .set({
        nodeStates: write.nodeStates,
        context: write.context,
        status: write.status,
        ...(write.result !== undefined ? { result: write.result } : {}),
        ...(write.statusReason !== undefined
          ? { statusReason: write.statusReason === null ? null : clipReason(write.statusReason) }
          : {}),
        ...(write.finishedTime !== undefined ? { finishedTime: write.finishedTime } : {}),
        ...(write.status === WorkflowInstanceStatus.RUNNING
          ? { actualTriggerTime: () => `COALESCE(actual_trigger_time, ${Math.trunc(now)})` }
          : {}),
        statusTime: now,
        version: () => 'version + 1',
      })
      .where('id = :id AND version = :version AND status IN (:...from)', { id, version, from: [...from] })
      .execute();
    return result.affected === 1;
  }

  /** Unfinished (WAITING or RUNNING) top-level instances of a workflow, counted in `tx`. */
  async countUnfinished(tx: EntityManager, workflowId: number): Promise<{ total: number; buffered: number }> {
    const [row] = await tx
      .getRepository(WorkflowInstanceEntity)
      .createQueryBuilder('w')
      .select('COUNT(*)', 'total')
      .addSelect('SUM(w.buffered = 1 AND w.status = :waiting)', 'buffered')
      .where('w.workflow_id = :workflowId', { workflowId })
      .andWhere('w.status IN (:...statuses)', {
        statuses: [WorkflowInstanceStatus.WAITING, WorkflowInstanceStatus.RUNNING],
      })
      .andWhere('w.parent_instance_id IS NULL')
      .setParameters({ waiting: WorkflowInstanceStatus.WAITING })
      .getRawMany<{ total: string | number; buffered: string | number | null }>();
    return { total: Number(row?.total ?? 0), buffered: Number(row?.buffered ?? 0) };
  }

  /** Ids of the workflow's unfinished top-level instances (WAITING or RUNNING), read in `tx`. */
  async unfinishedTopLevelIds(tx: EntityManager, workflowId: number): Promise<number[]> {
    const rows = await tx.getRepository(WorkflowInstanceEntity).find({
      select: { id: true },
      where: {
        workflowId,
        status: In([WorkflowInstanceStatus.WAITING, WorkflowInstanceStatus.RUNNING]),
        parentInstanceId: IsNull(),
      },
    });
    return rows.map((r) => r.id);
  }

  /** Whether the workflow's slot already has its instance (unique (workflow_id, trigger_slot)). */
  slotHasInstance(workflowId: number, slot: number, tx?: EntityManager): Promise<boolean> {
    return (tx ? tx.getRepository(WorkflowInstanceEntity) : this.rows).exists({
      where: { workflowId, triggerSlot: slot },
    });
  }

  /** The newest timer slot that created an instance of the workflow (0 when none). */
  async lastTriggerSlot(workflowId: number): Promise<number> {
    const row = await this.rows
      .createQueryBuilder('w')
      .select('MAX(w.trigger_slot)', 'slot')
      .where('w.workflow_id = :workflowId', { workflowId })
      .getRawOne<{ slot: string | number | null }>();
    return Number(row?.slot ?? 0);
  }

  /** The oldest buffered instance of a workflow, if any. */
  oldestBuffered(workflowId: number): Promise<WorkflowInstanceEntity | null> {
    return this.rows.findOne({
      where: { workflowId, status: WorkflowInstanceStatus.WAITING, buffered: true },
      order: { id: 'ASC' },
    });
  }

  /** Whether the workflow has a RUNNING top-level instance. */
  hasRunning(workflowId: number): Promise<boolean> {
    return this.rows.exists({
      where: { workflowId, status: WorkflowInstanceStatus.RUNNING, parentInstanceId: IsNull() },
    });
  }

  /** WAITING instances due by `dueBy` (delayed runs, and buffered ones whose turn may have come). */
  dueWaiting(dueBy: number, limit: number): Promise<WorkflowInstanceEntity[]> {
    return this.rows.find({
      where: { status: WorkflowInstanceStatus.WAITING, expectedTriggerTime: LessThanOrEqual(dueBy) },
      order: { expectedTriggerTime: 'ASC' },
      take: limit,
    });
  }

  /**
   * RUNNING instances a transition may have missed (its server died between a node's end and the transition, or
   * before the first one): a node instance or child that ended after the instance's last transition, or no
   * transition at all since it started. Older than `before`, so transitions in flight are left alone.
   */
  async needingTransition(before: number, limit: number): Promise<number[]> {
    const rows = await this.dataSource.query<{ id: string | number }[]>(
      `SELECT w.id FROM workflow_instance w
        WHERE w.status = ? AND w.status_time < ?
          AND (w.version = 0
            OR EXISTS (SELECT 1 FROM instance_info i
                        WHERE i.wf_instance_id = w.id AND i.finished_time IS NOT NULL
                          AND i.finished_time >= w.status_time)
            OR EXISTS (SELECT 1 FROM workflow_instance c
                        WHERE c.parent_instance_id = w.id AND c.finished_time IS NOT NULL
                          AND c.finished_time >= w.status_time)
            OR NOT EXISTS (SELECT 1 FROM instance_info i
                        WHERE i.wf_instance_id = w.id AND i.status IN (?, ?, ?))
              AND NOT EXISTS (SELECT 1 FROM workflow_instance c
                        WHERE c.parent_instance_id = w.id AND c.status IN (?, ?)))
        ORDER BY w.status_time ASC LIMIT ?`,
      [
        WorkflowInstanceStatus.RUNNING,
        before,
        InstanceStatus.WAITING_DISPATCH,
        InstanceStatus.WAITING_WORKER_RECEIVE,
        InstanceStatus.RUNNING,
        WorkflowInstanceStatus.WAITING,
        WorkflowInstanceStatus.RUNNING,
        limit,
      ],
    );
    return rows.map((r) => Number(r.id));
  }

  /**
   * Node instances and child workflow instances still unfinished although their workflow instance ended FAILED or
   * STOPPED before `before` (its server died between the transition and the stops).
   */
  async leftoversOfEnded(
    before: number,
    limit: number,
  ): Promise<{ nodeInstances: { id: number; appId: number; workerId: string | null }[]; children: number[] }> {
    const ended = [WorkflowInstanceStatus.FAILED, WorkflowInstanceStatus.STOPPED];
    const nodeRows = await this.dataSource.query<
      { id: string | number; appId: string | number; workerId: string | null }[]
    >(
      `SELECT i.id AS id, i.app_id AS appId, i.worker_id AS workerId FROM instance_info i
         JOIN workflow_instance w ON w.id = i.wf_instance_id
        WHERE i.status IN (?, ?, ?) AND w.status IN (?, ?) AND w.finished_time < ? LIMIT ?`,
      [
        InstanceStatus.WAITING_DISPATCH,
        InstanceStatus.WAITING_WORKER_RECEIVE,
        InstanceStatus.RUNNING,
        ...ended,
        before,
        limit,
      ],
    );
    const childRows = await this.dataSource.query<{ id: string | number }[]>(
      `SELECT c.id AS id FROM workflow_instance c
         JOIN workflow_instance w ON w.id = c.parent_instance_id
        WHERE c.status IN (?, ?) AND w.status IN (?, ?) AND w.finished_time < ? LIMIT ?`,
      [WorkflowInstanceStatus.WAITING, WorkflowInstanceStatus.RUNNING, ...ended, before, limit],
    );
    return {
      nodeInstances: nodeRows.map((r) => ({ id: Number(r.id), appId: Number(r.appId), workerId: r.workerId })),
      children: childRows.map((r) => Number(r.id)),
    };
  }

  /** Unfinished job instances of a workflow instance's nodes (to stop them). */
  async activeNodeInstances(workflowInstanceId: number): Promise<InstanceInfoEntity[]> {
    return this.jobInstances.find({
      where: {
        wfInstanceId: workflowInstanceId,
        status: In([InstanceStatus.WAITING_DISPATCH, InstanceStatus.WAITING_WORKER_RECEIVE, InstanceStatus.RUNNING]),
      },
    });
  }

  /** Unfinished child workflow instances of a workflow instance. */
  activeChildren(workflowInstanceId: number): Promise<WorkflowInstanceEntity[]> {
    return this.rows.find({
      where: {
        parentInstanceId: workflowInstanceId,
        status: In([WorkflowInstanceStatus.WAITING, WorkflowInstanceStatus.RUNNING]),
      },
    });
  }
}

/** The keys a finished child added to the context it started with (changed values count as added). */
function childAdditions(row: WorkflowInstanceEntity): WorkflowContext {
  const start = parseContext(row.initParams);
  const end = parseContext(row.context);
  const added: WorkflowContext = {};
  for (const [key, value] of Object.entries(end)) {
    if (!(key in start) || JSON.stringify(start[key]) !== JSON.stringify(value)) added[key] = value;
  }
  return added;
}

import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isFinalWorkflowStatus, WorkflowInstanceStatus, WorkflowNodeStatus } from '@jobnest/common';
import type { WorkflowInstanceEntity, WorkflowNodeState } from '@jobnest/persistence';
import type { Page } from '../../jobs/job.dto';
import { WorkflowAdvancer } from '../engine/workflow-advancer.service';
import { parseContext, WorkflowInstanceRepository } from '../engine/workflow-instance.repository';
import { liveNodeStates, waitingNode } from '../engine/workflow-plan';
import type { WorkflowInstanceView } from './workflow-instance.dto';
import { toWorkflowInstanceView } from './workflow-instance-view.mapper';

const RESTARTABLE = [WorkflowInstanceStatus.FAILED, WorkflowInstanceStatus.STOPPED] as const;

/** Reads and operator actions (stop, retry from failure, mark a node succeeded) on an app's workflow instances. */
@Injectable()
export class WorkflowInstancesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instances: WorkflowInstanceRepository,
    private readonly advancer: WorkflowAdvancer,
  ) {}

  async list(
    appId: number,
    filter: { workflowId?: number; status?: WorkflowInstanceStatus },
    page: number,
    size: number,
  ): Promise<Page<WorkflowInstanceView>> {
    const [rows, total] = await this.instances.pageOfApp(appId, filter, (page - 1) * size, size);
    return { items: rows.map(toWorkflowInstanceView), total, page, size };
  }

  /** With the live state of a running instance's nodes (its stored snapshot is written only when it moves). */
  async get(appId: number, id: number): Promise<WorkflowInstanceView> {
    return toWorkflowInstanceView(await this.live(await this.findOwned(appId, id)));
  }

  /**
   * A running instance with its nodes as their runs make them now: its stored snapshot is written when it moves,
   * not each time a node ends (WorkflowPlan.mirrorsOnly).
   */
  private async live(row: WorkflowInstanceEntity): Promise<WorkflowInstanceEntity> {
    if (row.status !== WorkflowInstanceStatus.RUNNING) return row;
    const [jobRuns, childRuns] = await Promise.all([this.instances.jobRuns(row.id), this.instances.childRuns(row)]);
    const live = liveNodeStates({
      dag: row.dag,
      states: row.nodeStates,
      initialContext: parseContext(row.initParams),
      jobRuns,
      childRuns,
    });
    return Object.assign(row, { nodeStates: live.states, context: live.contextJson });
  }

  /** Stops every running node instance and child workflow; waiting nodes are canceled. */
  async stop(appId: number, id: number): Promise<WorkflowInstanceView> {
    const row = await this.findOwned(appId, id);
    if (isFinalWorkflowStatus(row.status))
      throw new ConflictException(`workflow instance ${id} is already ${row.status}`);
    if (!(await this.advancer.stop(id, 'stopped by user'))) {
      throw new ConflictException(`workflow instance ${id} ended meanwhile`);
    }
    return this.get(appId, id);
  }

  /**
   * Runs a FAILED or STOPPED instance again from its failed nodes: failed and stopped nodes get a new attempt,
   * nodes canceled because of them wait again, succeeded and skipped nodes (decisions too) keep their outcome and
   * are not run again. A failed NESTED_WORKFLOW node runs a new child instance.
   */
  async retry(appId: number, id: number): Promise<WorkflowInstanceView> {
    const row = await this.findOwned(appId, id);
    this.assertRestartable(row, 'retried');
    const states: Record<string, WorkflowNodeState> = {};
    for (const [nodeId, state] of Object.entries(row.nodeStates)) {
      states[nodeId] = this.reopened(state) ?? state;
    }
    await this.restart(row, states, 'retried by user');
    return this.get(appId, id);
  }

  /**
   * An operator override: a FAILED or STOPPED node counts as SUCCEEDED, and the instance continues (a finished one
   * runs again from there; nodes canceled because of the failure wait again).
   */
  async markNodeSucceeded(appId: number, id: number, nodeId: string): Promise<WorkflowInstanceView> {
    // The live states: a node of a running instance (continueOnFailure) may have failed since the last write.
    const row = await this.live(await this.findOwned(appId, id));
    const state = row.nodeStates[nodeId];
    if (!state) throw new NotFoundException(`workflow instance ${id} has no node '${nodeId}'`);
    if (state.status !== WorkflowNodeStatus.FAILED && state.status !== WorkflowNodeStatus.STOPPED) {
      throw new ConflictException(
        `node '${nodeId}' is ${state.status}: only a FAILED or STOPPED node can be marked succeeded`,
      );
    }
    const states: Record<string, WorkflowNodeState> = { ...row.nodeStates };
    states[nodeId] = {
      ...state,
      status: WorkflowNodeStatus.SUCCEEDED,
      markedSucceeded: true,
      reason: `marked succeeded by user (was ${state.status}${state.reason ? `: ${state.reason}` : ''})`,
    };
    if (row.status === WorkflowInstanceStatus.RUNNING) {
      const won = await this.dataSource.transaction((tx) =>
        this.instances.writeTransition(
          tx,
          id,
          row.version,
          [WorkflowInstanceStatus.RUNNING],
          { nodeStates: states, context: row.context, status: WorkflowInstanceStatus.RUNNING },
          Date.now(),
        ),
      );
      if (!won) throw new ConflictException(`workflow instance ${id} changed meanwhile; try again`);
      await this.advancer.advance(id);
      return this.get(appId, id);
    }
    this.assertRestartable(row, 'continued');
    for (const [other, s] of Object.entries(states)) {
      if (s.status === WorkflowNodeStatus.CANCELED) states[other] = this.reopened(s) ?? s;
    }
    await this.restart(row, states, `node '${nodeId}' marked succeeded by user`);
    return this.get(appId, id);
  }

  /** Another app's instance answers 404 like a missing one. */
  async findOwned(appId: number, id: number): Promise<WorkflowInstanceEntity> {
    const row = await this.instances.findOfApp(appId, id);
    if (!row) throw new NotFoundException(`workflow instance ${id} not found`);
    return row;
  }

  private assertRestartable(row: WorkflowInstanceEntity, what: string): void {
    if (row.parentInstanceId !== null) {
      // Its parent reads it only while the parent runs: the parent's retry runs the node as a new child.
      throw new ConflictException(
        `workflow instance ${row.id} is a nested child of ${row.parentInstanceId}: retry or mark the parent's node '${row.parentNodeId ?? ''}' instead`,
      );
    }
    if (!(RESTARTABLE as readonly WorkflowInstanceStatus[]).includes(row.status)) {
      throw new ConflictException(
        `workflow instance ${row.id} is ${row.status}: only a FAILED or STOPPED one can be ${what}`,
      );
    }
  }

  /** A node that did not succeed, waiting again: a new attempt when it had run (its instances stay as history). */
  private reopened(state: WorkflowNodeState): WorkflowNodeState | undefined {
    switch (state.status) {
      case WorkflowNodeStatus.FAILED:
      case WorkflowNodeStatus.STOPPED:
      case WorkflowNodeStatus.CANCELED:
      case WorkflowNodeStatus.RUNNING: {
        const ran = state.instanceId !== null || state.childInstanceId !== null;
        return waitingNode(ran ? state.attempt + 1 : state.attempt);
      }
      default:
        return undefined;
    }
  }

  private async restart(row: WorkflowInstanceEntity, states: Record<string, WorkflowNodeState>, reason: string) {
    const won = await this.dataSource.transaction((tx) =>
      this.instances.writeTransition(
        tx,
        row.id,
        row.version,
        RESTARTABLE,
        {
          nodeStates: states,
          context: row.context,
          status: WorkflowInstanceStatus.RUNNING,
          statusReason: reason,
          result: null,
          finishedTime: null,
        },
        Date.now(),
      ),
    );
    if (!won) throw new ConflictException(`workflow instance ${row.id} changed meanwhile; try again`);
    await this.advancer.advance(row.id);
  }
}

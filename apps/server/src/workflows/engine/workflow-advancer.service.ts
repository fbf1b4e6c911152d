import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import {
  forEachLimited,
  isFinalWorkflowStatus,
  WorkflowInstanceStatus,
  WorkflowNodeStatus,
  WorkflowNodeType,
  type WorkflowDag,
  type WorkflowNodeDefinition,
} from '@jobnest/common';
import {
  type InstanceInfoEntity,
  isLockConflict,
  JobInfoEntity,
  WorkflowInfoEntity,
  type WorkflowInstanceEntity,
  type WorkflowNodeState,
} from '@jobnest/persistence';
import { AlarmSignals } from '../../alarms/signals/alarm-signals';
import { DispatcherService } from '../../dispatch/dispatcher.service';
import { InstanceEvents } from '../../instances/state/instance-events';
import { InstanceRepository } from '../../instances/state/instance.repository';
import { ServerConfig } from '../../platform/config/server-config';
import { MetricsService } from '../../platform/observability/metrics.service';
import { evaluateDecision } from '../definitions/decision-expression';
import { DagJobsMemo } from './dag-jobs-memo';
import { InstanceStopper } from '../../dispatch/instance-stopper';
import { workflowNodeFlow } from '../../flow/flow-job';
import { parseContext, WorkflowInstanceRepository } from './workflow-instance.repository';
import { liveNodeStates, planTransition, waitingNode, type WorkflowPlan } from './workflow-plan';

/** Transitions lost to other servers in a row before this one gives up (the reconciler then completes it). */
const MAX_LOST_RACES = 20;

/** Node instances of one transition dispatched at once (each is an UPDATE and a command on a worker's queue). */
const DISPATCH_PARALLELISM = 16;

/** Node states of a new run of `dag`: every node waiting, attempt 1. */
export function initialNodeStates(dag: WorkflowDag): Record<string, WorkflowNodeState> {
  return Object.fromEntries(dag.nodes.map((n) => [n.id, waitingNode()]));
}

interface Launched {
  jobInstances: { instance: InstanceInfoEntity; job: JobInfoEntity }[];
  children: number[];
  /** A node failed at launch (its job or workflow is gone, nesting too deep): another transition follows. */
  again: boolean;
}

/**
 * Moves workflow instances. Each transition reads the instance, its nodes' job instances and child workflow
 * instances, computes the next state (planTransition, pure), UPDATEs the instance row on the version it read, and
 * only then INSERTs the node instances it launches, each under its unique (workflow instance, node, attempt) key
 * and only while the instance runs. Two servers moving the same instance at once (two parallel nodes ended
 * together) cannot both win the UPDATE: the loser reads again and finds the join launched (or, if the winner has
 * not inserted it yet, launches it too, and the unique key keeps one). Nothing polls: a node instance's end
 * (its status report, on whichever server consumes it) starts the transition at once; the reconciler completes
 * a transition a dead server left undone. Requests for the same instance on this server are coalesced (one runs,
 * one more follows), which spares work, not correctness: that comes from MySQL.
 */
@Injectable()
export class WorkflowAdvancer implements OnApplicationBootstrap {
  private readonly logger = new Logger(WorkflowAdvancer.name);
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();
  private readonly dagJobs = new DagJobsMemo();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly workflows: WorkflowInstanceRepository,
    private readonly instances: InstanceRepository,
    private readonly dispatcher: DispatcherService,
    private readonly stopper: InstanceStopper,
    private readonly events: InstanceEvents,
    private readonly config: ServerConfig,
    private readonly metrics: MetricsService,
    private readonly signals: AlarmSignals,
  ) {}

  onApplicationBootstrap(): void {
    this.events.onFinished(({ id: instanceId, workflowInstanceId }) => {
      if (workflowInstanceId !== undefined) {
        if (workflowInstanceId !== null) this.request(workflowInstanceId);
        return;
      }
      this.workflows
        .workflowOfJobInstance(instanceId)
        .then((found) => {
          if (found !== null) this.request(found);
        })
        .catch((err: unknown) =>
          this.logger.error(
            `instance ${instanceId} ended; its workflow not moved (the reconciler will): ${String(err)}`,
          ),
        );
    });
  }

  /** Moves the instance in the background; a failure is logged and left to the reconciler. */
  request(workflowInstanceId: number): void {
    this.advance(workflowInstanceId).catch((err: unknown) =>
      this.logger.error(
        `workflow instance ${workflowInstanceId}: transition failed (the reconciler will complete it): ${String(err)}`,
      ),
    );
  }

  /** Moves the instance as far as its stored state allows. `touch`: write even when nothing changed (reconciler). */
  async advance(workflowInstanceId: number, touch = false): Promise<void> {
    const current = this.running.get(workflowInstanceId);
    if (current) {
      this.again.add(workflowInstanceId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          this.again.delete(workflowInstanceId);
          await this.transition(workflowInstanceId, touch);
        } while (this.again.has(workflowInstanceId));
      } finally {
        this.running.delete(workflowInstanceId);
      }
    })();
    this.running.set(workflowInstanceId, run);
    return run;
  }

  private async transition(id: number, touch: boolean): Promise<void> {
    for (let race = 0; race < MAX_LOST_RACES; race++) {
      // Read together: the node runs and the DAG's jobs do not depend on the row (a run that ends in between is
      // seen next time; a job edited in between is read again by the next transition).
      const known = this.dagJobs.get(id);
      const [wf, jobRuns, prefetched] = await Promise.all([
        this.workflows.findById(id),
        this.workflows.jobRuns(id),
        known ? this.jobRows(known.appId, known.jobIds) : Promise.resolve(undefined),
      ]);
      if (!wf || wf.status !== WorkflowInstanceStatus.RUNNING) {
        this.dagJobs.forget(id);
        return;
      }
      this.dagJobs.remember(wf);
      const childRuns = await this.workflows.childRuns(wf);
      const plan = planTransition({
        dag: wf.dag,
        continueOnFailure: wf.continueOnFailure,
        states: wf.nodeStates,
        initialContext: parseContext(wf.initParams),
        jobRuns,
        childRuns,
        decide: evaluateDecision,
        maxContextBytes: this.config.workflowContextMaxBytes,
        now: Date.now(),
      });
      // A transition that only mirrors its node runs (a branch of a fan-in ended, the join still waits) writes
      // nothing: the next one and the API derive the same from the runs. The reconciler writes such an instance
      // now and then (a node ended after its last write), which keeps its listed snapshot fresh.
      if (plan.mirrorsOnly && !plan.end && !touch && wf.version > 0) return;
      if (touch && (!plan.mirrorsOnly || plan.end || wf.version === 0))
        this.logger.warn(`workflow instance ${id}: completing a transition no server finished`);
      const launched = await this.commit(wf, plan, prefetched);
      this.metrics.workflowTransitions.inc({ outcome: launched === null ? 'lost_race' : 'committed' });
      if (launched === null) continue;
      if (plan.end) this.metrics.workflowsFinished.inc({ status: plan.end.status });
      await this.afterCommit(wf, plan, launched);
      return;
    }
    this.logger.warn(`workflow instance ${id}: lost ${MAX_LOST_RACES} transitions in a row to other servers`);
  }

  /** The app's jobs among `ids`, by id. */
  private async jobRows(appId: number, ids: number[]): Promise<Map<number, JobInfoEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(JobInfoEntity).findBy({ id: In(ids), appId });
    return new Map(rows.map((j) => [j.id, j]));
  }

  /**
   * Writes the transition, then launches its nodes; null when another server moved the instance first.
   * `prefetched`: job rows read with the instance (DagJobsMemo), used when they cover every launched job.
   */
  private async commit(
    wf: WorkflowInstanceEntity,
    plan: WorkflowPlan,
    prefetched?: Map<number, JobInfoEntity>,
  ): Promise<Launched | null> {
    const now = Date.now();
    const jobIds = plan.launches.filter((l) => l.node.type === WorkflowNodeType.JOB).map((l) => l.node.jobId!);
    const childIds = plan.launches
      .filter((l) => l.node.type === WorkflowNodeType.NESTED_WORKFLOW)
      .map((l) => l.node.workflowId!);
    const jobsById =
      prefetched && jobIds.every((j) => prefetched.has(j)) ? prefetched : await this.jobRows(wf.appId, jobIds);
    const childWorkflows = childIds.length
      ? await this.dataSource.getRepository(WorkflowInfoEntity).findBy({ id: In(childIds), appId: wf.appId })
      : [];
    const workflowsById = new Map(childWorkflows.map((w) => [w.id, w]));
    const launched: Launched = { jobInstances: [], children: [], again: false };
    const failAtLaunch = (state: WorkflowNodeState, reason: string) => {
      Object.assign(state, { status: WorkflowNodeStatus.FAILED, reason, endTime: now });
      launched.again = true;
    };
    const ready: { node: WorkflowNodeDefinition; attempt: number; job?: JobInfoEntity; child?: WorkflowInfoEntity }[] =
      [];
    for (const { node, attempt } of plan.launches) {
      const state = plan.states[node.id]!;
      if (node.type === WorkflowNodeType.JOB) {
        const job = jobsById.get(node.jobId!);
        if (job) ready.push({ node, attempt, job });
        else failAtLaunch(state, `job ${node.jobId} no longer exists`);
        continue;
      }
      const child = workflowsById.get(node.workflowId!);
      if (!child) failAtLaunch(state, `workflow ${node.workflowId} no longer exists`);
      else if (wf.depth + 1 > this.config.workflowMaxNesting)
        failAtLaunch(state, `nesting deeper than JOBNEST_WORKFLOW_MAX_NESTING=${this.config.workflowMaxNesting}`);
      else ready.push({ node, attempt, child });
    }
    // 1. The transition: one UPDATE conditional on the version read. Launched nodes are written RUNNING with no
    //    instance yet; a transition that finds one so, without its run, launches it again (planTransition).
    let won: boolean;
    try {
      won = await this.workflows.writeTransition(
        this.dataSource.manager,
        wf.id,
        wf.version,
        [WorkflowInstanceStatus.RUNNING],
        {
          nodeStates: plan.states,
          context: plan.contextJson,
          status: plan.end?.status ?? WorkflowInstanceStatus.RUNNING,
          ...(plan.end ? { result: plan.end.result, statusReason: plan.end.reason, finishedTime: now } : {}),
        },
        now,
      );
    } catch (err) {
      // Another statement got there first: read again and recompute.
      if (isLockConflict(err)) return null;
      throw err;
    }
    if (!won) return null;
    // 2. The launches, each one INSERT under the unique (workflow instance, node, attempt) key, only while the
    //    instance runs: a server that dies between 1 and 2 leaves the node to the next transition, a stop that came
    //    between them leaves nothing to launch. No transaction: each statement is atomic, and together they are
    //    safe in any interleaving, so a launch costs one statement instead of four.
    for (const { node, attempt, job, child } of ready) {
      if (job) {
        // A job under flow control counts its workflow nodes too: held ones are let through by the FlowGate, under
        // the job's lock like any held run (in priority order, behind earlier ones of their key).
        const flow = workflowNodeFlow(job, wf.initParams, now);
        const held = flow !== undefined && flow.heldBy !== null;
        const instance = await this.instances.insertWorkflowNode(job, {
          instanceParams: wf.initParams,
          expectedTriggerTime: now,
          triggerSlot: null,
          statusReason: flow?.reason ?? null,
          now,
          // Dispatched with the insert when a worker is eligible: RunInstance goes out right after it.
          dispatchedTo: held ? undefined : this.dispatcher.chooseWorker(job),
          ...(flow ? { flow, priority: job.priority } : {}),
          workflowNode: {
            workflowInstanceId: wf.id,
            nodeId: node.id,
            attempt,
            context: plan.contextJson,
            jobParamsOverride: node.params ?? null,
            instanceRetriesOverride: node.instanceRetries ?? null,
            timeLimitOverrideMs: node.instanceTimeLimitMs ?? null,
          },
        });
        if (instance) launched.jobInstances.push({ instance, job });
      } else if (child) {
        const childId = await this.workflows.insertChild({
          appId: wf.appId,
          workflowId: child.id,
          dag: child.dag,
          continueOnFailure: child.continueOnFailure,
          nodeStates: initialNodeStates(child.dag),
          status: WorkflowInstanceStatus.RUNNING,
          statusReason: null,
          initParams: plan.contextJson,
          expectedTriggerTime: now,
          triggerSlot: null,
          buffered: false,
          parent: { instanceId: wf.id, nodeId: node.id, attempt },
          depth: wf.depth + 1,
          now,
        });
        if (childId !== null) launched.children.push(childId);
      }
    }
    return launched;
  }

  private async afterCommit(wf: WorkflowInstanceEntity, plan: WorkflowPlan, launched: Launched): Promise<void> {
    // First: the alarm must not depend on the stops and dispatches below succeeding.
    if (plan.end) {
      this.signals.raise({
        kind: 'workflow-ended',
        workflowInstanceId: wf.id,
        workflowId: wf.workflowId,
        appId: wf.appId,
        succeeded: plan.end.status === WorkflowInstanceStatus.SUCCEEDED,
        reason: plan.end.reason,
        failedNodeId: plan.end.failedNodeId,
        nested: wf.parentInstanceId !== null,
        version: wf.version + 1,
      });
    }
    // A fan-out is dispatched DISPATCH_PARALLELISM at a time, not one after the other. A dispatch that fails leaves
    // its row to the reconciler (WAITING_DISPATCH: dispatched again; WAITING_WORKER_RECEIVE: its receive timeout).
    const gatedJobs = new Set(launched.jobInstances.filter((l) => l.instance.heldBy !== null).map((l) => l.job.id));
    for (const jobId of gatedJobs) this.events.flowWaiting(jobId);
    const toDispatch = launched.jobInstances.filter((l) => l.instance.heldBy === null);
    await forEachLimited(toDispatch, DISPATCH_PARALLELISM, async ({ instance, job }) => {
      const sent =
        instance.workerId === null
          ? this.dispatcher.dispatchLoaded(instance, job)
          : this.dispatcher.sendRun(instance, job, instance.workerId, instance.runningTimes, 0, instance.statusTime);
      await sent.catch((err: unknown) =>
        this.logger.error(`workflow ${wf.id}: dispatch of node instance ${instance.id} failed: ${String(err)}`),
      );
    });
    for (const child of launched.children) this.request(child);
    if (plan.stopInstances.length > 0 || plan.stopChildren.length > 0) {
      const reason = `workflow instance ${wf.id} failed`;
      await this.stopper.stopAll(await this.workflows.activeNodeInstances(wf.id), reason);
      for (const child of plan.stopChildren) await this.stop(child, reason);
    }
    if (launched.again) this.request(wf.id);
    if (plan.end) {
      this.dagJobs.forget(wf.id);
      await this.ended(wf);
    }
  }

  /** A workflow instance ended: its parent moves on, or the next buffered run of its workflow starts. */
  async ended(wf: Pick<WorkflowInstanceEntity, 'id' | 'workflowId' | 'parentInstanceId'>): Promise<void> {
    if (wf.parentInstanceId !== null) {
      this.request(wf.parentInstanceId);
      return;
    }
    await this.startNextBuffered(wf.workflowId);
  }

  /**
   * Stops a workflow instance: its running node instances and child workflows are stopped, its waiting nodes
   * canceled. False when it had ended already.
   */
  async stop(id: number, reason: string): Promise<boolean> {
    for (let race = 0; race < MAX_LOST_RACES; race++) {
      const [wf, jobRuns] = await Promise.all([this.workflows.findById(id), this.workflows.jobRuns(id)]);
      if (!wf || isFinalWorkflowStatus(wf.status)) return false;
      const now = Date.now();
      // From the live states: a node that ended since the last write keeps its outcome in the final snapshot.
      const live = liveNodeStates({
        dag: wf.dag,
        states: wf.nodeStates,
        initialContext: parseContext(wf.initParams),
        jobRuns,
        childRuns: await this.workflows.childRuns(wf),
      });
      const states: Record<string, WorkflowNodeState> = {};
      for (const [nodeId, state] of Object.entries(live.states)) {
        states[nodeId] =
          state.status === WorkflowNodeStatus.RUNNING
            ? { ...state, status: WorkflowNodeStatus.STOPPED, reason, endTime: now }
            : state.status === WorkflowNodeStatus.WAITING
              ? { ...state, status: WorkflowNodeStatus.CANCELED, reason, endTime: now }
              : state;
      }
      const won = await this.dataSource.transaction((tx) =>
        this.workflows.writeTransition(
          tx,
          id,
          wf.version,
          [WorkflowInstanceStatus.WAITING, WorkflowInstanceStatus.RUNNING],
          {
            nodeStates: states,
            context: live.contextJson,
            status: WorkflowInstanceStatus.STOPPED,
            statusReason: reason,
            finishedTime: now,
          },
          now,
        ),
      );
      if (!won) continue;
      this.metrics.workflowsFinished.inc({ status: WorkflowInstanceStatus.STOPPED });
      await this.stopper.stopAll(await this.workflows.activeNodeInstances(id), reason);
      for (const child of await this.workflows.activeChildren(id)) await this.stop(child.id, reason);
      await this.ended(wf);
      return true;
    }
    return false;
  }

  /**
   * Stops what an ended (FAILED or STOPPED) workflow instance left running because its server died before stopping
   * it; their ends then find the workflow final and change nothing.
   */
  async stopLeftovers(before: number, limit: number): Promise<number> {
    const { nodeInstances, children } = await this.workflows.leftoversOfEnded(before, limit);
    await this.stopper.stopAll(nodeInstances, 'its workflow instance had ended');
    for (const child of children) await this.stop(child, 'its parent workflow instance had ended');
    return nodeInstances.length + children.length;
  }

  /**
   * Starts a WAITING instance (its delay passed, or its buffered turn came) and moves it. A buffered one starts
   * only while no other instance of its workflow runs, and only when it is the oldest buffered one. False when it
   * was not (or no longer) startable.
   */
  async start(id: number): Promise<boolean> {
    const wf = await this.workflows.findById(id);
    if (!wf || wf.status !== WorkflowInstanceStatus.WAITING) return false;
    if (wf.expectedTriggerTime > Date.now() + 1000) return false;
    if (wf.buffered) {
      // Buffered ones start one at a time, oldest first: two paths starting at once (an end, a new slot, the
      // reconciler) then aim at the same row, and its version lets one of them win. Oldest first, running second:
      // one that started meanwhile is either still the oldest here (and our write loses) or seen running.
      if ((await this.workflows.oldestBuffered(wf.workflowId))?.id !== wf.id) return false;
      if (await this.workflows.hasRunning(wf.workflowId)) return false;
    }
    const now = Date.now();
    const won = await this.dataSource.transaction((tx) =>
      this.workflows.writeTransition(
        tx,
        id,
        wf.version,
        [WorkflowInstanceStatus.WAITING],
        { nodeStates: wf.nodeStates, context: wf.context, status: WorkflowInstanceStatus.RUNNING, statusReason: null },
        now,
      ),
    );
    if (won) await this.advance(id);
    return won;
  }

  /** Starts the workflow's oldest buffered instance when nothing of it runs. */
  async startNextBuffered(workflowId: number): Promise<void> {
    const next = await this.workflows.oldestBuffered(workflowId);
    if (next) await this.start(next.id);
  }
}

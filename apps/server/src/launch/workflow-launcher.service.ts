import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isTimedType, WorkflowInstanceStatus, WorkflowOverlapPolicy } from '@jobnest/common';
import { isDuplicateEntry, WorkflowInfoEntity } from '@jobnest/persistence';
import { initialNodeStates, WorkflowAdvancer } from '../workflows/engine/workflow-advancer.service';
import { WorkflowInstanceRepository } from '../workflows/engine/workflow-instance.repository';
import { lockRow } from '../platform/database/lock-row';
import { DelayedDispatchService } from './delayed-dispatch.service';
import { heldUntilSlot, type TriggerHold } from './slot-overlap';

export interface WorkflowRunRequest {
  /** A JSON object string: the context the workflow starts with (null: {}). */
  initParams: string | null;
  delayMs: number;
}

/** What became of a workflow's timer slot. */
export type WorkflowSlotOutcome =
  | { kind: 'launched'; workflowInstanceId: number }
  | { kind: 'buffered'; workflowInstanceId: number }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string }
  /** Deleted, disabled or made untimed since its trigger was read (nothing written, nothing counted). */
  | { kind: 'stale' }
  /** The trigger was taken over during the wait for the slot: its replay handles the slot (see heldUntilSlot). */
  | { kind: 'taken-over' };

/**
 * Creates workflow instances for API runs and timer slots, then starts them (at once, or through a delayed job).
 * The workflow's row is locked while its unfinished instances are counted, so concurrent launches from several
 * servers cannot overshoot maxInstances or buffer two; a slot is unique per (workflow, slot) in MySQL.
 */
@Injectable()
export class WorkflowLauncher {
  private readonly logger = new Logger(WorkflowLauncher.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly workflowInstances: WorkflowInstanceRepository,
    private readonly advancer: WorkflowAdvancer,
    private readonly delayed: DelayedDispatchService,
  ) {}

  /** An API run: 409 when maxInstances unfinished instances exist. */
  async run(workflow: WorkflowInfoEntity, request: WorkflowRunRequest): Promise<number> {
    const now = Date.now();
    const delayed = request.delayMs > 0;
    const instance = await this.dataSource.transaction(async (tx) => {
      if (workflow.maxInstances > 0) {
        await lockRow(tx, WorkflowInfoEntity, workflow.id);
        const unfinished = await this.workflowInstances.countUnfinished(tx, workflow.id);
        if (unfinished.total >= workflow.maxInstances) {
          throw new ConflictException(
            `workflow ${workflow.id} already has ${unfinished.total} unfinished instance(s) (maxInstances=${workflow.maxInstances})`,
          );
        }
      }
      return this.workflowInstances.insert(tx, {
        ...this.newRow(workflow, now),
        status: delayed ? WorkflowInstanceStatus.WAITING : WorkflowInstanceStatus.RUNNING,
        statusReason: delayed ? `scheduled in ${request.delayMs} ms` : null,
        initParams: request.initParams,
        expectedTriggerTime: now + request.delayMs,
        triggerSlot: null,
        buffered: false,
      });
    });
    if (delayed) {
      await this.delayed
        .scheduleWorkflowStart(instance.id, request.delayMs)
        .catch((err: unknown) =>
          this.logger.warn(
            `delayed start of workflow instance ${instance.id} not queued, the reconciler will start it: ${String(err)}`,
          ),
        );
    } else {
      this.advancer.request(instance.id);
    }
    return instance.id;
  }

  /**
   * A timer slot. While the workflow has unfinished instances its overlapPolicy decides: SKIP skips the slot,
   * BUFFER_ONE creates one WAITING instance that starts when the running ones end (a second is skipped), BUFFER_ALL
   * up to overlapBufferLimit of them (started oldest first, one at a time), CANCEL_OTHER stops the unfinished ones
   * and starts the slot's, ALLOW_ALL starts it beside them, up to maxInstances. A slot that already has its instance
   * is a duplicate. Triggers fire ahead of their slots: this waits for the slot, so the instance starts at its time
   * (its first nodes are dispatched as it starts) and the policy counts only the instances still unfinished then.
   */
  async launchSlot(trigger: WorkflowInfoEntity, slot: number, hold: TriggerHold): Promise<WorkflowSlotOutcome> {
    if (!(await heldUntilSlot(slot, hold))) return { kind: 'taken-over' };
    const now = Date.now();
    let outcome: WorkflowSlotOutcome;
    // CANCEL_OTHER: the unfinished instances the slot's instance replaces, stopped once it is committed.
    let replacing: number[] = [];
    try {
      outcome = await this.dataSource.transaction(async (tx): Promise<WorkflowSlotOutcome> => {
        // Decided and written with the row as locked: it may have changed during the wait (its policy, its DAG).
        const workflow = await lockRow(tx, WorkflowInfoEntity, trigger.id);
        if (!workflow || !workflow.enabled || !isTimedType(workflow.timeExpressionType)) return { kind: 'stale' };
        if (await this.workflowInstances.slotHasInstance(workflow.id, slot, tx)) return { kind: 'duplicate' };
        const unfinished = await this.workflowInstances.countUnfinished(tx, workflow.id);
        let buffered = false;
        if (unfinished.total > 0) {
          switch (workflow.overlapPolicy) {
            case WorkflowOverlapPolicy.BUFFER_ONE:
              if (unfinished.buffered > 0)
                return { kind: 'skipped', reason: 'one slot is buffered already (BUFFER_ONE)' };
              buffered = true;
              break;
            case WorkflowOverlapPolicy.BUFFER_ALL:
              if (unfinished.buffered >= workflow.overlapBufferLimit) {
                const limit = workflow.overlapBufferLimit;
                return { kind: 'skipped', reason: `${limit} slots are buffered already (overlapBufferLimit=${limit})` };
              }
              buffered = true;
              break;
            case WorkflowOverlapPolicy.CANCEL_OTHER:
              replacing = await this.workflowInstances.unfinishedTopLevelIds(tx, workflow.id);
              break;
            case WorkflowOverlapPolicy.ALLOW_ALL:
              if (workflow.maxInstances > 0 && unfinished.total >= workflow.maxInstances)
                return { kind: 'skipped', reason: `maxInstances=${workflow.maxInstances} unfinished instances exist` };
              break;
            default:
              return { kind: 'skipped', reason: 'an earlier instance is unfinished (overlapPolicy SKIP)' };
          }
        }
        const row = await this.workflowInstances.insert(tx, {
          ...this.newRow(workflow, now),
          status: buffered ? WorkflowInstanceStatus.WAITING : WorkflowInstanceStatus.RUNNING,
          statusReason: buffered ? `buffered: waits for the running instance to end (${workflow.overlapPolicy})` : null,
          initParams: null,
          expectedTriggerTime: slot,
          triggerSlot: slot,
          buffered,
        });
        return buffered
          ? { kind: 'buffered', workflowInstanceId: row.id }
          : { kind: 'launched', workflowInstanceId: row.id };
      });
    } catch (err) {
      if (isDuplicateEntry(err)) return { kind: 'duplicate' };
      throw err;
    }
    for (const id of replacing)
      await this.advancer.stop(id, 'a newer timer slot replaced it (overlapPolicy CANCEL_OTHER)');
    if (outcome.kind === 'launched') this.advancer.request(outcome.workflowInstanceId);
    // The running instance may have ended between the count and the commit: its end found nothing buffered yet.
    if (outcome.kind === 'buffered') await this.advancer.startNextBuffered(trigger.id);
    return outcome;
  }

  private newRow(workflow: WorkflowInfoEntity, now: number) {
    return {
      appId: workflow.appId,
      workflowId: workflow.id,
      dag: workflow.dag,
      continueOnFailure: workflow.continueOnFailure,
      nodeStates: initialNodeStates(workflow.dag),
      parent: null,
      depth: 0,
      now,
    };
  }
}

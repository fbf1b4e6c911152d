import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import type { Repository } from 'typeorm';
import { isTimedType } from '@jobnest/common';
import { WorkflowInfoEntity } from '@jobnest/persistence';
import { AlarmSignals } from '../alarms/signals/alarm-signals';
import { WorkflowLauncher } from '../launch/workflow-launcher.service';
import { NO_TRIGGER, type TriggerHold } from '../launch/slot-overlap';
import { ServerConfig } from '../platform/config/server-config';
import { WorkflowInstanceRepository } from '../workflows/engine/workflow-instance.repository';
import { catchUpSlots, takenLate } from './slot-catch-up';
import { countSlots, slotsMissed } from './slot-counters';
import type { FireOutcome } from './slot-firing.service';
import { TimerSyncService } from './timer-sync.service';
import { triggerHold } from './trigger-hold';
import { schedulerSlot, type TriggerData } from './trigger-queue';

/**
 * Turns a workflow's due trigger into a workflow instance, with the guarantees of job slots (SlotFiringService):
 * the slot's instance is unique in MySQL (a replayed trigger creates nothing twice); a slot older than the misfire
 * threshold is counted as misfired and one the overlap policy turns away as skipped; the slots a late trigger or a
 * lost scheduler left behind fire late or are counted, so none vanishes without a trace.
 */
@Injectable()
export class WorkflowSlotFiringService {
  private readonly logger = new Logger(WorkflowSlotFiringService.name);

  constructor(
    private readonly config: ServerConfig,
    private readonly timers: TimerSyncService,
    private readonly launcher: WorkflowLauncher,
    private readonly instances: WorkflowInstanceRepository,
    @InjectRepository(WorkflowInfoEntity) private readonly workflows: Repository<WorkflowInfoEntity>,
    private readonly signals: AlarmSignals,
  ) {}

  async handle(trigger: Job<TriggerData>, workflowId: number): Promise<FireOutcome> {
    const slot = schedulerSlot(trigger);
    const workflow = await this.workflows.findOneBy({ id: workflowId });
    if (!workflow || !workflow.enabled || !isTimedType(workflow.timeExpressionType)) {
      await this.timers.removeWorkflow(workflowId);
      return 'stale';
    }
    // As the trigger was taken: the launch waits for the slot, which is always after the trigger's due time.
    const takenAt = Date.now();
    const late = takenLate(slot, takenAt);
    const hold = triggerHold(trigger);
    const outcome = await this.fire(workflow, slot, hold);
    if (late && outcome !== 'taken-over') {
      await this.catchUp(workflow, Math.max(slot, await this.lastSlotHandled(workflow)), takenAt, hold);
    }
    return outcome;
  }

  /** A workflow whose scheduler Redis had lost (the timer rebuild put it back): the slots since then. */
  async catchUpLost(workflow: WorkflowInfoEntity): Promise<void> {
    await this.catchUp(
      workflow,
      Math.max(await this.lastSlotHandled(workflow), workflow.updatedAt.getTime()),
      Date.now(),
      NO_TRIGGER,
    );
  }

  private async lastSlotHandled(workflow: WorkflowInfoEntity): Promise<number> {
    return Math.max(await this.instances.lastTriggerSlot(workflow.id), workflow.lastCountedSlot ?? 0);
  }

  /** The slots a late or lost trigger left behind (catchUpSlots). */
  private catchUp(workflow: WorkflowInfoEntity, lastSlot: number, takenAt: number, hold: TriggerHold): Promise<void> {
    const target = {
      name: `workflow ${workflow.id}`,
      id: workflow.id,
      rows: this.workflows,
      repeat: this.timers.schedulerOptions(workflow),
      fire: (slot: number) => this.fire(workflow, slot, hold),
      onMisfired: (count: number, latestSlot: number) =>
        this.signals.raise(slotsMissed('workflow', workflow, 'misfired', count, latestSlot)),
    };
    return catchUpSlots(target, lastSlot, takenAt, this.config.misfireThresholdMs, this.logger);
  }

  /** One slot of an enabled timed workflow: launched (or buffered), or skipped / misfired / outside the lifecycle. */
  private async fire(workflow: WorkflowInfoEntity, slot: number, hold: TriggerHold): Promise<FireOutcome> {
    if (workflow.lifecycleEnd !== null && slot > workflow.lifecycleEnd) {
      this.logger.log(`workflow ${workflow.id}: lifecycle ended, disabling it`);
      await this.workflows.update({ id: workflow.id }, { enabled: false });
      await this.timers.removeWorkflow(workflow.id);
      return 'outside-lifecycle';
    }
    if (workflow.lifecycleStart !== null && slot < workflow.lifecycleStart) return 'outside-lifecycle';
    const now = Date.now();
    if (now - slot > this.config.misfireThresholdMs) {
      if (await this.instances.slotHasInstance(workflow.id, slot)) return 'duplicate';
      await countSlots(this.workflows, workflow.id, 'misfired_slots', 1, slot);
      this.signals.raise(slotsMissed('workflow', workflow, 'misfired', 1, slot));
      this.logger.warn(
        `workflow ${workflow.id}: slot ${new Date(slot).toISOString()} misfired (${now - slot} ms late), skipped`,
      );
      return 'misfired';
    }
    const outcome = await this.launcher.launchSlot(workflow, slot, hold);
    if (outcome.kind === 'skipped') {
      await countSlots(this.workflows, workflow.id, 'skipped_slots', 1, slot);
      this.signals.raise(slotsMissed('workflow', workflow, 'skipped', 1, slot, outcome.reason));
      this.logger.warn(`workflow ${workflow.id}: slot ${new Date(slot).toISOString()} skipped: ${outcome.reason}`);
      return 'skipped';
    }
    // A buffered slot's instance is created: launched, as far as the slot is concerned.
    return outcome.kind === 'buffered' ? 'launched' : outcome.kind;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import type { Repository } from 'typeorm';
import { isTimedType } from '@jobnest/common';
import { WorkflowInfoEntity } from '@jobnest/persistence';
import { WorkflowLauncher } from '../launch/workflow-launcher.service';
import { ServerConfig } from '../platform/config/server-config';
import { WorkflowInstanceRepository } from '../workflows/engine/workflow-instance.repository';
import type { FireOutcome } from './slot-firing.service';
import { TimerSyncService } from './timer-sync.service';
import { schedulerSlot, type TriggerData } from './trigger-queue';

/**
 * Turns a workflow's due trigger into a workflow instance, with the guarantees of job slots: the slot's instance
 * is unique in MySQL (a replayed trigger creates nothing twice), a slot older than the misfire threshold is counted
 * as misfired, and one the overlap policy turns away is counted as skipped.
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
  ) {}

  async handle(trigger: Job<TriggerData>, workflowId: number): Promise<FireOutcome> {
    const slot = schedulerSlot(trigger);
    const workflow = await this.workflows.findOneBy({ id: workflowId });
    if (!workflow || !workflow.enabled || !isTimedType(workflow.timeExpressionType)) {
      await this.timers.removeWorkflow(workflowId);
      return 'stale';
    }
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
      await this.countSlot(workflow.id, 'misfired_slots', slot);
      this.logger.warn(
        `workflow ${workflow.id}: slot ${new Date(slot).toISOString()} misfired (${now - slot} ms late), skipped`,
      );
      return 'misfired';
    }
    const outcome = await this.launcher.launchSlot(workflow, slot);
    if (outcome.kind === 'skipped') {
      await this.countSlot(workflow.id, 'skipped_slots', slot);
      this.logger.warn(`workflow ${workflow.id}: slot ${new Date(slot).toISOString()} skipped: ${outcome.reason}`);
      return 'skipped';
    }
    return outcome.kind === 'duplicate' ? 'duplicate' : 'launched';
  }

  private async countSlot(
    workflowId: number,
    counter: 'skipped_slots' | 'misfired_slots',
    slot: number,
  ): Promise<void> {
    await this.workflows
      .createQueryBuilder()
      .update()
      .set({
        [counter === 'skipped_slots' ? 'skippedSlots' : 'misfiredSlots']: () => `${counter} + 1`,
        lastCountedSlot: () => `GREATEST(COALESCE(last_counted_slot, 0), ${Math.trunc(slot)})`,
      })
      .where('id = :workflowId', { workflowId })
      .execute();
  }
}

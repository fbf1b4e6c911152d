import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import type { Repository } from 'typeorm';
import { isTimedType, parsePeriod, TimeExpressionType } from '@jobnest/common';
import { JobInfoEntity } from '@jobnest/persistence';
import { AlarmSignals } from '../alarms/signals/alarm-signals';
import { InstanceEvents } from '../instances/state/instance-events';
import { InstanceRepository } from '../instances/state/instance.repository';
import { InstanceLauncher } from '../launch/instance-launcher.service';
import { heldUntilSlot, NO_TRIGGER, type TriggerHold } from '../launch/slot-overlap';
import { ServerConfig } from '../platform/config/server-config';
import { TRIGGER_LEAD_MS } from './jobnest-repeat-strategy';
import { catchUpSlots, takenLate } from './slot-catch-up';
import { countSlots, slotsMissed } from './slot-counters';
import { TimerSyncService } from './timer-sync.service';
import { triggerHold } from './trigger-hold';
import { WorkflowSlotFiringService } from './workflow-slot-firing.service';
import { FIXED_DELAY_TRIGGER, schedulerSlot, type JobTriggerData } from './trigger-queue';

export type FireOutcome =
  | 'launched'
  | 'duplicate'
  | 'skipped'
  | 'misfired'
  | 'stale'
  | 'outside-lifecycle'
  /** The trigger was taken over while its slot waited for its time: its replay handles the slot (and catches up). */
  | 'taken-over';

/**
 * Turns due triggers into instances (TriggerProcessor hands each one here, on whichever server BullMQ gave it to).
 * The slot's instance is unique in MySQL, so a trigger replayed after a crash creates nothing twice. Also catches
 * up the slots a late or lost trigger left behind, and re-arms FIXED_DELAY chains when their instance ends.
 */
@Injectable()
export class SlotFiringService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SlotFiringService.name);

  constructor(
    private readonly config: ServerConfig,
    private readonly timers: TimerSyncService,
    private readonly launcher: InstanceLauncher,
    private readonly events: InstanceEvents,
    private readonly instances: InstanceRepository,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly workflowSlots: WorkflowSlotFiringService,
    private readonly signals: AlarmSignals,
  ) {}

  onApplicationBootstrap(): void {
    this.events.onFinished(({ id: instanceId, timed }) => {
      // Only an instance of a timer slot can hold a FIXED_DELAY chain: the others cost no query.
      if (timed === false) return;
      this.rearmFixedDelay(instanceId).catch((err: unknown) =>
        this.logger.error(`re-arming the fixed-delay timer after instance ${instanceId} failed: ${String(err)}`),
      );
    });
  }

  /** One due trigger. One MySQL read of the job, shared by its slot and the slots it left behind. */
  async handle(trigger: Job<JobTriggerData>): Promise<FireOutcome> {
    const isFixedDelay = trigger.name === FIXED_DELAY_TRIGGER;
    const slot = isFixedDelay ? (trigger.data.slot ?? trigger.timestamp) : schedulerSlot(trigger);
    const job = await this.jobs.findOneBy({ id: trigger.data.jobId });
    if (!job || !job.enabled || !isTimedType(job.timeExpressionType)) {
      await this.timers.remove(trigger.data.jobId);
      return 'stale';
    }
    // As the trigger was taken: a slot whose overlap policy is decided at its time makes fire() wait until then.
    const takenAt = Date.now();
    const late = !isFixedDelay && takenLate(slot, takenAt);
    const hold = triggerHold(trigger);
    const outcome = await this.fire(job, slot, isFixedDelay, hold);
    if (late && outcome !== 'taken-over') {
      // From the latest slot already handled: a trigger taken late after a crash (its lock expired) may find the
      // chain gone on without it, and the slots after it fired or counted by the triggers that followed.
      await this.catchUp(job, Math.max(slot, await this.lastSlotHandled(job)), takenAt, hold);
    }
    return outcome;
  }

  /**
   * Rebuilds every timer from MySQL (on the reconciliation lease holder), then catches up the jobs whose scheduler
   * Redis had lost (a flush, a restart without persistence): their slots since the last one handled fire when still
   * within the misfire threshold and are counted as misfired when older, so no slot vanishes without a trace.
   */
  async reconcileTimers(): Promise<void> {
    const { lost, lostWorkflows } = await this.timers.reconcileAll();
    for (const job of lost) {
      const lastHandled = Math.max(await this.lastSlotHandled(job), job.updatedAt.getTime());
      await this.catchUp(job, lastHandled, Date.now(), NO_TRIGGER);
    }
    for (const workflow of lostWorkflows) await this.workflowSlots.catchUpLost(workflow);
  }

  /** The latest slot that created an instance or was counted (0 when none): where the job's calendar stands. */
  private async lastSlotHandled(job: JobInfoEntity): Promise<number> {
    return Math.max(await this.instances.lastTriggerSlot(job.id), job.lastCountedSlot ?? 0);
  }

  /** The slots a late or lost trigger left behind (catchUpSlots). */
  private catchUp(job: JobInfoEntity, lastSlot: number, takenAt: number, hold: TriggerHold): Promise<void> {
    const target = {
      name: `job ${job.id}`,
      id: job.id,
      rows: this.jobs,
      repeat: this.timers.schedulerOptions(job),
      fire: (slot: number) => this.fire(job, slot, false, hold),
      onMisfired: (count: number, latestSlot: number) =>
        this.signals.raise(slotsMissed('job', job, 'misfired', count, latestSlot)),
    };
    return catchUpSlots(target, lastSlot, takenAt, this.config.misfireThresholdMs, this.logger);
  }

  /** One slot of an enabled timed job: launched, or skipped / misfired / outside the lifecycle (and counted). */
  private async fire(job: JobInfoEntity, slot: number, isFixedDelay: boolean, hold: TriggerHold): Promise<FireOutcome> {
    const now = Date.now();
    if (job.lifecycleEnd !== null && slot > job.lifecycleEnd) {
      this.logger.log(`job ${job.id}: lifecycle ended, disabling it`);
      await this.jobs.update({ id: job.id }, { enabled: false });
      await this.timers.remove(job.id);
      return 'outside-lifecycle';
    }
    if (job.lifecycleStart !== null && slot < job.lifecycleStart) return 'outside-lifecycle';
    // FIXED_DELAY has no slot calendar to keep: a late trigger just runs now.
    if (!isFixedDelay && now - slot > this.config.misfireThresholdMs) {
      // A replayed trigger whose slot was fired before the crash: fired, so not misfired.
      if (await this.instances.slotHasInstance(job.id, slot)) return 'duplicate';
      await countSlots(this.jobs, job.id, 'misfired_slots', 1, slot);
      this.signals.raise(slotsMissed('job', job, 'misfired', 1, slot));
      this.logger.warn(`job ${job.id}: slot ${new Date(slot).toISOString()} misfired (${now - slot} ms late), skipped`);
      return 'misfired';
    }
    if (decidedAtSlot(job) && !(await heldUntilSlot(slot - SHORT_PERIOD_LEAD_MS, hold))) return 'taken-over';
    const outcome = await this.launcher.launchSlot(job, slot, hold);
    if (outcome.kind === 'skipped') {
      await countSlots(this.jobs, job.id, 'skipped_slots', 1, slot);
      this.signals.raise(slotsMissed('job', job, 'skipped', 1, slot, outcome.reason));
      this.logger.warn(`job ${job.id}: slot ${new Date(slot).toISOString()} skipped: ${outcome.reason}`);
      // No instance will end to re-arm the chain: arm it from here.
      if (job.timeExpressionType === TimeExpressionType.FIXED_DELAY)
        await this.timers.armFixedDelay(job, `skip-${slot}`);
    }
    return outcome.kind;
  }

  /** One query, which finds nothing for every instance but the timed ones of enabled FIXED_DELAY jobs. */
  private async rearmFixedDelay(instanceId: number): Promise<void> {
    const job = await this.instances.fixedDelayJobOfTimedInstance(instanceId);
    if (job) await this.timers.armFixedDelay(job, `after-${instanceId}`);
  }
}

/**
 * How far ahead of its slot a slot of a decidedAtSlot job is launched: enough for the INSERT and the dispatch to
 * reach the worker before the slot (which starts it on the dot), far less than the shortest period (100 ms).
 */
const SHORT_PERIOD_LEAD_MS = 20;

/**
 * Whether the job's slots are decided just before their time (SHORT_PERIOD_LEAD_MS) rather than when their triggers
 * fire ahead (TRIGGER_LEAD_MS): a FIXED_RATE period under twice TRIGGER_LEAD_MS, where the next slot's trigger fires
 * before (or about when) this slot comes. A slot decided ahead while an earlier one waits for its time (its overlap
 * policy is decided at the slot) would be launched before it, and make it skip for an instance not due yet; taken
 * in turn, each just before its time, they cannot.
 */
function decidedAtSlot(job: JobInfoEntity): boolean {
  return (
    job.timeExpressionType === TimeExpressionType.FIXED_RATE &&
    parsePeriod(TimeExpressionType.FIXED_RATE, job.timeExpression) < 2 * TRIGGER_LEAD_MS
  );
}

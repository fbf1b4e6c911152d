import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { lockRow } from '../platform/database/lock-row';
import { InstanceRepository } from '../instances/state/instance.repository';
import { DelayedDispatchService } from './delayed-dispatch.service';

export interface LaunchRequest {
  instanceParams: string | null;
  delayMs: number;
}

/** What became of a timer slot. */
export type SlotOutcome =
  | { kind: 'launched'; instanceId: number; instance?: InstanceInfoEntity }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string };

const DUPLICATE_ENTRY = 'ER_DUP_ENTRY';

/**
 * Creates instance rows and starts their dispatch, for API runs and timer slots. The job's row is locked while
 * its unfinished instances are counted, so concurrent launches (from several servers too) cannot overshoot
 * maxInstances; a timer slot is unique per (job, slot) in MySQL, so a replayed trigger creates nothing.
 */
@Injectable()
export class InstanceLauncher {
  private readonly logger = new Logger(InstanceLauncher.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instances: InstanceRepository,
    private readonly dispatcher: DispatcherService,
    private readonly delayed: DelayedDispatchService,
  ) {}

  /** An API run: 409 when maxInstances unfinished instances exist. */
  async launch(job: JobInfoEntity, request: LaunchRequest): Promise<number> {
    const now = Date.now();
    const instance = await this.dataSource.transaction(async (tx) => {
      if (job.maxInstances > 0) {
        await lockRow(tx, JobInfoEntity, job.id);
        const active = await this.instances.countActive(tx, job.id);
        if (active.total >= job.maxInstances) {
          throw new ConflictException(
            `job ${job.id} already has ${active.total} unfinished instance(s) (maxInstances=${job.maxInstances})`,
          );
        }
      }
      return this.instances.insertWaiting(tx, job, {
        instanceParams: request.instanceParams,
        expectedTriggerTime: now + request.delayMs,
        triggerSlot: null,
        statusReason: request.delayMs > 0 ? `scheduled in ${request.delayMs} ms` : null,
        now,
      });
    });
    if (request.delayMs > 0) {
      // Should Redis refuse the timer, the reconciler still dispatches the row once it is due.
      await this.delayed
        .schedule(instance.id, request.delayMs)
        .catch((err: unknown) =>
          this.logger.warn(
            `delayed dispatch of instance ${instance.id} not queued, reconciler will pick it up: ${String(err)}`,
          ),
        );
    } else {
      this.dispatcher.dispatchInBackground(instance.id, { instance, job });
    }
    return instance.id;
  }

  /**
   * A timer slot. Skipped (not stacked) while an earlier instance still waits for a worker or maxInstances
   * unfinished instances exist; a slot that already has its instance is a duplicate.
   */
  async launchSlot(job: JobInfoEntity, slot: number): Promise<SlotOutcome> {
    const now = Date.now();
    let outcome: SlotOutcome;
    try {
      outcome = await this.dataSource.transaction(async (tx): Promise<SlotOutcome> => {
        // Locked: launches of the job count its unfinished instances one after the other. An instance merely between
        // its insert and its dispatch is not "waiting for a worker": only a dispatch attempt that found none marks it so.
        await lockRow(tx, JobInfoEntity, job.id);
        // Checked first: the slot's own instance would otherwise count as the unfinished one that skips it.
        if (await this.instances.slotHasInstance(job.id, slot, tx)) return { kind: 'duplicate' };
        const active = await this.instances.countActive(tx, job.id);
        if (active.waitingForWorker > 0) {
          return { kind: 'skipped', reason: 'the previous instance is still waiting for a worker' };
        }
        if (job.maxInstances > 0 && active.total >= job.maxInstances) {
          return { kind: 'skipped', reason: `maxInstances=${job.maxInstances} unfinished instances exist` };
        }
        const instance = await this.instances.insertWaiting(tx, job, {
          instanceParams: null,
          expectedTriggerTime: slot,
          triggerSlot: slot,
          statusReason: null,
          now,
        });
        return { kind: 'launched', instanceId: instance.id, instance };
      });
    } catch (err) {
      if ((err as { code?: string }).code === DUPLICATE_ENTRY) return { kind: 'duplicate' };
      throw err;
    }
    if (outcome.kind === 'launched' && outcome.instance) await this.dispatcher.dispatchLoaded(outcome.instance, job);
    return outcome;
  }
}

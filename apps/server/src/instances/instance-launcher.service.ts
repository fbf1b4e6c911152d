import { ConflictException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { ACTIVE_INSTANCE_STATUSES, InstanceStatus } from '@jobnest/common';
import { InstanceInfoEntity, JobInfoEntity } from '@jobnest/persistence';
import { DelayedDispatchService } from '../dispatch/delayed-dispatch.service';
import { DispatcherService } from '../dispatch/dispatcher.service';

export interface LaunchRequest {
  instanceParams: string | null;
  delayMs: number;
}

/**
 * Creates the instance row of a run and starts its dispatch. maxInstances is checked under a lock on the job's
 * row, so concurrent runs (from several servers too) cannot overshoot it.
 */
@Injectable()
export class InstanceLauncher {
  private readonly logger = new Logger(InstanceLauncher.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: DispatcherService,
    private readonly delayed: DelayedDispatchService,
  ) {}

  async launch(job: JobInfoEntity, request: LaunchRequest): Promise<number> {
    const now = Date.now();
    const expected = now + request.delayMs;
    const instanceId = await this.dataSource.transaction(async (tx) => {
      if (job.maxInstances > 0) {
        await tx.getRepository(JobInfoEntity).createQueryBuilder('j').setLock('pessimistic_write')
          .where('j.id = :id', { id: job.id }).getOne();
        const active = await tx.getRepository(InstanceInfoEntity).countBy({
          jobId: job.id,
          status: In([...ACTIVE_INSTANCE_STATUSES]),
        });
        if (active >= job.maxInstances) {
          throw new ConflictException(
            `job ${job.id} already has ${active} unfinished instance(s) (maxInstances=${job.maxInstances})`,
          );
        }
      }
      const saved = await tx.getRepository(InstanceInfoEntity).save(
        tx.getRepository(InstanceInfoEntity).create({
          appId: job.appId,
          jobId: job.id,
          status: InstanceStatus.WAITING_DISPATCH,
          statusReason: request.delayMs > 0 ? `scheduled in ${request.delayMs} ms` : null,
          result: null,
          workerId: null,
          runningTimes: 0,
          instanceParams: request.instanceParams,
          triggerSlot: null,
          expectedTriggerTime: expected,
          actualTriggerTime: null,
          finishedTime: null,
          statusTime: now,
        }),
      );
      return saved.id;
    });
    if (request.delayMs > 0) {
      // Should Redis refuse the timer, the reconciler still dispatches the row once it is due.
      await this.delayed.schedule(instanceId, request.delayMs).catch((err: unknown) =>
        this.logger.warn(`delayed dispatch of instance ${instanceId} not queued, reconciler will pick it up: ${String(err)}`),
      );
    } else {
      this.dispatcher.dispatchInBackground(instanceId);
    }
    return instanceId;
  }
}

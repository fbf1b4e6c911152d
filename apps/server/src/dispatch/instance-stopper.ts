import { Injectable, Logger } from '@nestjs/common';
import { ACTIVE_INSTANCE_STATUSES, InstanceStatus } from '@jobnest/common';
import type { InstanceInfoEntity } from '@jobnest/persistence';
import { InstanceTransitions } from '../instances/state/instance-transitions.service';
import { WorkerCommands } from './worker-commands.provider';

/**
 * Ends unfinished instances as STOPPED and tells their workers to abort them: a workflow's nodes when it stops, the
 * running instances a CANCEL_OTHER timer slot replaces.
 */
@Injectable()
export class InstanceStopper {
  private readonly logger = new Logger(InstanceStopper.name);

  constructor(
    private readonly transitions: InstanceTransitions,
    private readonly commands: WorkerCommands,
  ) {}

  async stopAll(
    instances: readonly Pick<InstanceInfoEntity, 'id' | 'appId' | 'workerId'>[],
    reason: string,
  ): Promise<void> {
    const now = Date.now();
    for (const instance of instances) {
      const won = await this.transitions.endActive(
        instance.id,
        ACTIVE_INSTANCE_STATUSES,
        InstanceStatus.STOPPED,
        reason,
        now,
      );
      if (!won || instance.workerId === null) continue;
      await this.commands
        .send(
          { workerId: instance.workerId, appId: instance.appId },
          { kind: 'StopInstance', instanceId: instance.id, reason },
        )
        .catch((err: unknown) =>
          this.logger.warn(`instance ${instance.id}: could not tell ${instance.workerId} to stop: ${String(err)}`),
        );
    }
  }
}

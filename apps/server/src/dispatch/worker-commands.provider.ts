import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { WORKER_FEATURES } from '@jobnest/common';
import type { WorkerCommand } from '@jobnest/common';
import { WorkerCommandSender, type WorkerAddress } from '@jobnest/transport';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';

/**
 * The server's sender of commands to workers' own queues, as a Nest provider. Commands for one worker in one
 * event-loop turn go as CommandBatch jobs only to workers the cluster view knows as live and announcing the
 * feature; others (older workers, or not heard from yet) get one job per command.
 */
@Injectable()
export class WorkerCommands extends WorkerCommandSender implements OnApplicationShutdown {
  constructor(
    config: ServerConfig,
    connections: RedisConnections,
    private readonly cluster: ClusterViewService,
  ) {
    super(connections.commands, config.keys, {
      acceptsBatches: (workerId) => cluster.hasFeature(workerId, WORKER_FEATURES.commandBatch),
    });
  }

  /**
   * A worker whose heartbeats do not announce WORKER_FEATURES.appKeys runs an older version: its queue is still
   * under the plain prefix (KeyLayout), during an upgrade.
   */
  override send(address: WorkerAddress, command: WorkerCommand): Promise<void> {
    return super.send(this.cluster.addressOf(address), command);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

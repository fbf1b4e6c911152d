import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { WorkerCommandSender } from '@jobnest/transport';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';

/** The server's sender of commands to workers' own queues, as a Nest provider. */
@Injectable()
export class WorkerCommands extends WorkerCommandSender implements OnApplicationShutdown {
  constructor(config: ServerConfig, connections: RedisConnections) {
    super(connections.commands, config.prefix);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

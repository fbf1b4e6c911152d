import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { errorMessage } from '@jobnest/common';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from './redis-connections.service';

/**
 * Moves the single keys of the layout before hash tags to their new names, once, at boot on a single Redis
 * (`RENAMENX`: a key another server moved already, or that the new layout has, is left as it is). The streams are
 * not moved: ReportStreams reads the legacy ones where they are until they are drained.
 */
@Injectable()
export class LegacyKeysService implements OnModuleInit {
  private readonly logger = new Logger(LegacyKeysService.name);

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.connections.isCluster) return; // a cluster never held the legacy layout
    const { keys } = this.config;
    const moves: [from: string, to: string][] = [
      [keys.legacy.workersLastSeen, keys.workersLastSeen],
      [keys.legacy.alarmRuleVersions, keys.alarmRuleVersions],
      [keys.legacy.deadLetter, keys.deadLetter],
    ];
    for (const [from, to] of moves) {
      try {
        if ((await this.connections.commands.exists(from)) === 0) continue;
        if ((await this.connections.commands.renamenx(from, to)) === 1) this.logger.log(`moved ${from} to ${to}`);
      } catch (err) {
        // Not fatal: the moved keys are a record and a cache, rebuilt as workers heartbeat and rules change.
        this.logger.warn(`could not move ${from} to ${to}: ${errorMessage(err)}`);
      }
    }
  }
}

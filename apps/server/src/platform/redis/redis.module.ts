import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { ServerConfig } from '../config/server-config';
import { bullRootOptions } from './bull-root-options';
import { LegacyKeysService } from './legacy-keys.service';
import { RedisConnections } from './redis-connections.service';
import { ReportStreams } from './report-streams.service';
import { ServerBeats } from './server-beats.service';

/**
 * The server's Redis: its own connections, its beats (ServerBeats), and the settings every BullModule.registerQueue of
 * the server inherits.
 */
@Global()
@Module({
  imports: [BullModule.forRootAsync({ inject: [ServerConfig], useFactory: bullRootOptions })],
  providers: [RedisConnections, ReportStreams, LegacyKeysService, ServerBeats],
  exports: [RedisConnections, ReportStreams, ServerBeats],
})
export class RedisModule {}

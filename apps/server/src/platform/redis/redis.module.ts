import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { ServerConfig } from '../config/server-config';
import { bullRootOptions } from './bull-root-options';
import { LegacyKeysService } from './legacy-keys.service';
import { RedisConnections } from './redis-connections.service';
import { ReportStreams } from './report-streams.service';

/** The server's Redis: its own connections, and the settings every BullModule.registerQueue of the server inherits. */
@Global()
@Module({
  imports: [BullModule.forRootAsync({ inject: [ServerConfig], useFactory: bullRootOptions })],
  providers: [RedisConnections, ReportStreams, LegacyKeysService],
  exports: [RedisConnections, ReportStreams],
})
export class RedisModule {}

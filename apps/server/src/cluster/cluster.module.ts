import { Module } from '@nestjs/common';
import { ClusterViewService } from './cluster-view.service';
import { WorkerLastSeenRecord } from './worker-last-seen';
import { WorkersController } from './workers.controller';

@Module({
  controllers: [WorkersController],
  providers: [ClusterViewService, WorkerLastSeenRecord],
  exports: [ClusterViewService, WorkerLastSeenRecord],
})
export class ClusterModule {}

import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { TimerSyncService } from './timer-sync.service';
import { TriggerWorkerService } from './trigger-worker.service';

@Module({
  imports: [DispatchModule],
  providers: [TimerSyncService, TriggerWorkerService],
  exports: [TimerSyncService, TriggerWorkerService],
})
export class SchedulingModule {}

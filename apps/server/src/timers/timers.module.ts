import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AlarmSignalsModule } from '../alarms/signals/alarm-signals.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { LaunchModule } from '../launch/launch.module';
import { jobnestRepeatStrategy } from './jobnest-repeat-strategy';
import { SlotFiringService } from './slot-firing.service';
import { TimerSyncService } from './timer-sync.service';
import { TriggerProcessor } from './trigger.processor';
import { WorkflowSlotFiringService } from './workflow-slot-firing.service';
import { WorkflowEngineModule } from '../workflows/engine/workflow-engine.module';
import { TRIGGER_QUEUE } from './trigger-queue';

/**
 * Schedule and trigger: mirrors timed jobs into BullMQ job schedulers and delayed triggers on the shared
 * `jobnest-trigger` queue (registered here), and fires the slot of each due trigger through the launcher.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: TRIGGER_QUEUE, settings: { repeatStrategy: jobnestRepeatStrategy } }),
    LaunchModule,
    InstanceStateModule,
    AlarmSignalsModule,
    WorkflowEngineModule,
  ],
  providers: [TimerSyncService, SlotFiringService, WorkflowSlotFiringService, TriggerProcessor],
  exports: [TimerSyncService, SlotFiringService],
})
export class TimersModule {}

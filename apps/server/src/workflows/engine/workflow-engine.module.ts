import { Module } from '@nestjs/common';
import { AlarmSignalsModule } from '../../alarms/signals/alarm-signals.module';
import { DispatchModule } from '../../dispatch/dispatch.module';
import { InstanceStateModule } from '../../instances/state/instance-state.module';
import { WorkflowAdvancer } from './workflow-advancer.service';
import { WorkflowInstanceRepository } from './workflow-instance.repository';

/**
 * The workflow engine: moves workflow instances node by node as their node instances end (WorkflowAdvancer), on
 * the instance state and dispatch every job instance uses.
 */
@Module({
  imports: [DispatchModule, InstanceStateModule, AlarmSignalsModule],
  providers: [WorkflowInstanceRepository, WorkflowAdvancer],
  exports: [WorkflowInstanceRepository, WorkflowAdvancer],
})
export class WorkflowEngineModule {}

import { Module } from '@nestjs/common';
import { AlarmSignalsModule } from '../alarms/signals/alarm-signals.module';
import { ClusterModule } from '../cluster/cluster.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import { FlowModule } from '../flow/flow.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { TimersModule } from '../timers/timers.module';
import { WorkflowEngineModule } from '../workflows/engine/workflow-engine.module';
import { ReconcilerService } from './reconciler.service';
import { RetentionService } from './retention.service';

/**
 * Reconcile: on the server holding the Redis lease, repairs what messages alone cannot (lost dispatches, dead
 * workers, time limits, lost timers) and keeps stored data bounded (retention).
 */
@Module({
  imports: [
    AlarmSignalsModule,
    ClusterModule,
    DispatchModule,
    FlowModule,
    InstanceStateModule,
    TimersModule,
    WorkflowEngineModule,
  ],
  providers: [ReconcilerService, RetentionService],
})
export class ReconcileModule {}

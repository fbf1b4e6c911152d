import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DISPATCH_QUEUE } from '@jobnest/transport';
import { DispatchModule } from '../dispatch/dispatch.module';
import { FlowModule } from '../flow/flow.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { DelayedDispatchProcessor } from './delayed-dispatch.processor';
import { DelayedDispatchService } from './delayed-dispatch.service';
import { IdempotencyKeys } from './idempotency-keys';
import { InstanceLauncher } from './instance-launcher.service';
import { WorkflowLauncher } from './workflow-launcher.service';
import { WorkflowEngineModule } from '../workflows/engine/workflow-engine.module';
import { JobRunController } from './job-run.controller';

/**
 * Launch: creates the instance rows of API runs and timer slots and starts their dispatch, at once or, for a run
 * with `delayMs`, through the shared `jobnest-dispatch` queue (registered here).
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: DISPATCH_QUEUE }),
    DispatchModule,
    FlowModule,
    InstanceStateModule,
    WorkflowEngineModule,
  ],
  controllers: [JobRunController],
  providers: [InstanceLauncher, IdempotencyKeys, WorkflowLauncher, DelayedDispatchService, DelayedDispatchProcessor],
  exports: [InstanceLauncher, WorkflowLauncher],
})
export class LaunchModule {}

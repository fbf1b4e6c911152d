import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { InstanceStateModule } from './state/instance-state.module';

/** The instances API of an app: reads, logs, tasks, and the user's stop, cancel and retry. */
@Module({
  imports: [DispatchModule, InstanceStateModule],
  controllers: [InstancesController],
  providers: [InstancesService],
})
export class InstancesModule {}

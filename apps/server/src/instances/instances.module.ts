import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { JobsModule } from '../jobs/jobs.module';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { JobRunController } from './job-run.controller';

@Module({
  imports: [DispatchModule, JobsModule],
  controllers: [InstancesController, JobRunController],
  providers: [InstancesService],
})
export class InstancesModule {}

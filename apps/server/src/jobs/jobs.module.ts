import { Module } from '@nestjs/common';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { TimersModule } from '../timers/timers.module';
import { JobQuotas } from './job-quotas';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

/** Define: job definitions of an app (CRUD, validation, quotas); every change is mirrored into the timers at once. */
@Module({
  imports: [TimersModule, InstanceStateModule],
  controllers: [JobsController],
  providers: [JobsService, JobQuotas],
  exports: [JobQuotas],
})
export class JobsModule {}

import { Module } from '@nestjs/common';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { JobQuotas } from './job-quotas';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  imports: [SchedulingModule],
  controllers: [JobsController],
  providers: [JobsService, JobQuotas],
  exports: [JobsService],
})
export class JobsModule {}

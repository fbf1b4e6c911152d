import { Module } from '@nestjs/common';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({ imports: [SchedulingModule], controllers: [JobsController], providers: [JobsService], exports: [JobsService] })
export class JobsModule {}

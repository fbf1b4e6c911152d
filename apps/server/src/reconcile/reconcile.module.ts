import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { ReconcilerService } from './reconciler.service';
import { RetentionService } from './retention.service';

@Module({ imports: [DispatchModule, SchedulingModule], providers: [ReconcilerService, RetentionService] })
export class ReconcileModule {}

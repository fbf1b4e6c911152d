import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { ReconcilerService } from './reconciler.service';

@Module({ imports: [DispatchModule], providers: [ReconcilerService] })
export class ReconcileModule {}

import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { QueueBoardService } from './queue-board.service';

@Module({ imports: [DispatchModule, SchedulingModule], providers: [QueueBoardService], exports: [QueueBoardService] })
export class BoardModule {}

import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { QueueBoardService } from './queue-board.service';

@Module({ imports: [DispatchModule], providers: [QueueBoardService], exports: [QueueBoardService] })
export class BoardModule {}

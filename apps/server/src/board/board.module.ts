import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module, type DynamicModule } from '@nestjs/common';
import { ALARM_QUEUE, DISPATCH_QUEUE } from '@jobnest/transport';
import { ClusterModule } from '../cluster/cluster.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import type { ServerConfig } from '../platform/config/server-config';
import { TRIGGER_QUEUE } from '../timers/trigger-queue';
import { boardAuth, boardReadOnlyGate } from './board-access';
import { QueueBoardService } from './queue-board.service';

export const BOARD_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues: the shared dispatch, trigger and alarm queues plus one queue per live worker. Only for the
 * admin (HTTP Basic, JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD), so imported only when an admin password is set.
 * Read-only unless JOBNEST_BOARD_WRITES=1: a retried or removed BullMQ job behind the scheduler's back would bypass
 * its records.
 */
@Module({})
export class BoardModule {
  static forConfig(config: ServerConfig): DynamicModule {
    const options = { readOnlyMode: !config.boardWrites };
    return {
      module: BoardModule,
      imports: [
        BullBoardModule.forRoot({
          route: BOARD_PATH,
          adapter: ExpressAdapter,
          boardOptions: { uiConfig: { boardTitle: 'Jobnest' } },
          middleware: [boardAuth(config), boardReadOnlyGate(config)],
        }),
        BullBoardModule.forFeature(
          { name: DISPATCH_QUEUE, adapter: BullMQAdapter, options },
          { name: TRIGGER_QUEUE, adapter: BullMQAdapter, options },
          { name: ALARM_QUEUE, adapter: BullMQAdapter, options },
        ),
        ClusterModule,
        DispatchModule,
      ],
      providers: [QueueBoardService],
    };
  }
}

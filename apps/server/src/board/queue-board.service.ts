import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { isAdmin, parseBasicAuthorization } from '../auth/admin-credentials';
import { ServerConfig } from '../config/server-config';
import { DelayedDispatchService } from '../dispatch/delayed-dispatch.service';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { TimerSyncService } from '../scheduling/timer-sync.service';

export const BOARD_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues: the dispatch and trigger queues plus one queue per live worker, kept in step with the
 * cluster view (a worker's queue appears when it joins and goes when it is gone). Basic auth from
 * JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD; without a password the board is not served. Read-only unless
 * JOBNEST_BOARD_WRITES=1: a retried or removed BullMQ job behind the scheduler's back would bypass its records.
 */
@Injectable()
export class QueueBoardService implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueBoardService.name);
  private readonly serverAdapter = new ExpressAdapter();
  private board: ReturnType<typeof createBullBoard> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly cluster: ClusterViewService,
    private readonly delayed: DelayedDispatchService,
    private readonly commands: WorkerCommands,
    private readonly timers: TimerSyncService,
  ) {
    this.serverAdapter.setBasePath(BOARD_PATH);
  }

  get enabled(): boolean {
    return this.config.adminPassword !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.warn('JOBNEST_ADMIN_PASSWORD is not set: bull-board (/admin/queues) is disabled');
      return;
    }
    this.board = createBullBoard({
      queues: [],
      serverAdapter: this.serverAdapter,
      options: { uiConfig: { boardTitle: 'Jobnest' } },
    });
    this.refresh(this.cluster.allLiveWorkerIds());
    this.cluster.onWorkersChanged((ids) => this.refresh(ids));
  }

  /** Express middleware: basic auth (compared in constant time), the read-only gate, then the board. */
  handlers(): RequestHandler[] {
    const { adminUser, adminPassword, boardWrites } = this.config;
    const auth: RequestHandler = (req, res, next) => {
      if (isAdmin(parseBasicAuthorization(req.headers.authorization), adminUser, adminPassword)) return next();
      res.setHeader('WWW-Authenticate', 'Basic realm="jobnest"');
      res
        .status(401)
        .json({ statusCode: 401, error: 'Unauthorized', message: 'bull-board needs the admin credentials' });
    };
    // The adapters' readOnlyMode hides the buttons and guards the per-queue routes; this also covers the routes
    // that act on every queue at once (pause all, resume all, purge metrics).
    const readOnly: RequestHandler = (req, res, next) => {
      if (boardWrites || req.method === 'GET' || req.method === 'HEAD') return next();
      res.status(405).json({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: 'bull-board is read-only: set JOBNEST_BOARD_WRITES=1 to allow changes',
      });
    };
    return [auth, readOnly, this.serverAdapter.getRouter() as RequestHandler];
  }

  private refresh(workerIds: string[]): void {
    if (!this.board) return;
    const queues: Queue[] = [
      this.delayed.queue,
      this.timers.queue,
      ...workerIds.sort().map((id) => this.commands.queue(id)),
    ];
    const readOnlyMode = !this.config.boardWrites;
    this.board.replaceQueues(queues.map((q) => new BullMQAdapter(q, { readOnlyMode })));
  }
}

import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { type BullBoardInstance, InjectBullBoard } from '@bull-board/nestjs';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { ServerConfig } from '../platform/config/server-config';

/**
 * Keeps one board entry per live worker's command queue in step with the cluster view: a worker's queue appears
 * when it joins and goes when it is gone. (The shared dispatch and trigger queues are on the board from the start.)
 */
@Injectable()
export class QueueBoardService implements OnApplicationBootstrap {
  /** The entries shown, by worker id. */
  private readonly shown = new Map<string, BullMQAdapter>();

  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly config: ServerConfig,
    private readonly cluster: ClusterViewService,
    private readonly commands: WorkerCommands,
  ) {}

  onApplicationBootstrap(): void {
    this.refresh();
    this.cluster.onWorkersChanged(() => this.refresh());
  }

  private refresh(): void {
    const workers = new Map(this.cluster.liveWorkerStates().map((w) => [w.workerId, w.appId]));
    const live = new Set(workers.keys());
    for (const [workerId, entry] of this.shown) {
      if (live.has(workerId)) continue;
      this.board.removeQueue(entry);
      this.shown.delete(workerId);
    }
    // Every live worker's entry is made anew, as the queue it shows may have been closed and reopened since.
    const readOnlyMode = !this.config.boardWrites;
    for (const workerId of [...live].sort()) {
      const address = this.cluster.addressOf({ workerId, appId: workers.get(workerId) ?? null });
      const entry = new BullMQAdapter(this.commands.queue(address), { readOnlyMode });
      this.board.addQueue(entry);
      this.shown.set(workerId, entry);
    }
  }
}

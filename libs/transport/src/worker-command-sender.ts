import { Queue, type ConnectionOptions } from 'bullmq';
import type { WorkerCommand } from '@jobnest/common';
import { workerQueueName } from './names';

/**
 * Puts commands on a worker's own BullMQ queue (`jobnest-worker-<id>`). One Queue object per worker,
 * created on first use and sharing the given connection.
 */
export class WorkerCommandSender {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
  ) {}

  async send(workerId: string, command: WorkerCommand): Promise<void> {
    const jobId =
      command.kind === 'RunInstance' ? `run-${command.instanceId}-${command.runningTimes}` : undefined;
    await this.queue(workerId).add(command.kind, command, {
      jobId,
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
  }

  queue(workerId: string): Queue {
    let q = this.queues.get(workerId);
    if (!q) {
      q = new Queue(workerQueueName(workerId), { connection: this.connection, prefix: this.prefix });
      this.queues.set(workerId, q);
    }
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { DISPATCH_QUEUE } from '@jobnest/transport';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';
import { DispatcherService } from './dispatcher.service';

interface DelayedDispatch {
  instanceId: number;
}

/**
 * API runs with `delayMs` become delayed BullMQ jobs on the shared `jobnest-dispatch` queue; whichever server's
 * worker takes the job dispatches the instance. If Redis loses the job, the reconciler still dispatches the
 * instance once its expected trigger time has passed.
 */
@Injectable()
export class DelayedDispatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DelayedDispatchService.name);
  readonly queue: Queue<DelayedDispatch>;
  private worker: Worker<DelayedDispatch> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly dispatcher: DispatcherService,
  ) {
    this.queue = new Queue<DelayedDispatch>(DISPATCH_QUEUE, {
      connection: connections.commands,
      prefix: config.prefix,
    });
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<DelayedDispatch>(
      DISPATCH_QUEUE,
      async (job) => this.dispatcher.dispatch(job.data.instanceId),
      {
        connection: this.connections.dedicatedConnection('dispatch-worker'),
        prefix: this.config.prefix,
        concurrency: 20,
      },
    );
    this.worker.on('error', (err) => this.logger.error(`dispatch worker: ${err.message}`));
  }

  /** BullMQ keeps the due time in Redis, not in a timer of this process: delays past 2^31-1 ms need no chaining. */
  async schedule(instanceId: number, delayMs: number): Promise<void> {
    await this.queue.add(
      'dispatch',
      { instanceId },
      {
        delay: delayMs,
        jobId: `dispatch-${instanceId}`,
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

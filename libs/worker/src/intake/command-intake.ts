import { Injectable } from '@nestjs/common';
import { errorMessage, MessageDecodeError, ThrottledErrorLog, type SingleWorkerCommand } from '@jobnest/common';
import { decodeWorkerCommand, workerQueueName, type DecodedCommandBatch } from '@jobnest/transport';
import { Worker, type Job } from 'bullmq';
import { DistributedExecutor } from '../distributed/distributed-executor';
import { InstanceTracker } from '../execution/instance-tracker.service';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';
import { StatusReporter } from '../reporting/status-reporter';
import { ProcessorTracker } from '../subtasks/processor-tracker';
import { WorkerLogger } from '../util/worker-logger';

/** Commands are handled in microseconds; 50 at once keeps a burst of dispatches flowing. */
const CONCURRENCY = 50;

/**
 * Takes commands from this worker's own BullMQ queue and hands each to its owner: instance runs to the
 * InstanceTracker, status acknowledgements to the StatusReporter, subtasks to the ProcessorTracker, and the
 * ProcessorTrackers' answers to the TaskTracker of their run (through the DistributedExecutor). Every BullMQ job
 * completes as soon as its command is handed over: an instance runs outside BullMQ, so its duration never holds a
 * BullMQ lock or a concurrency slot. A CommandBatch job is handled as its commands, one after the other.
 */
@Injectable()
export class CommandIntake {
  private readonly logger = new WorkerLogger(CommandIntake.name, () => this.config.knownWorkerId);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly unknownKindsLogged = new Set<string>();
  private readonly foreignAppsLogged = new Set<number>();
  private worker: Worker | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
    private readonly instances: InstanceTracker,
    private readonly reporter: StatusReporter,
    private readonly processors: ProcessorTracker,
    private readonly distributed: DistributedExecutor,
  ) {}

  /** Resolves once the queue is being consumed. */
  async start(): Promise<void> {
    const { workerId } = this.config.options;
    const worker = new Worker(workerQueueName(workerId), async (job: Job) => this.handle(job), {
      connection: this.redis.bullConnection(),
      prefix: this.redis.ownQueuePrefix,
      concurrency: CONCURRENCY,
    });
    worker.on('error', (err: Error) => this.errors.error('intake', `command queue ${workerQueueName(workerId)}`, err));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  /**
   * Stops taking commands. No job is ever held long; `force` (Redis unreachable) does not wait for the active ones,
   * whose completion could not be recorded anyway.
   */
  async stop(force = false): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    try {
      await worker.close(force);
    } catch (err) {
      this.logger.warn(`closing the command queue consumer failed: ${errorMessage(err)}`);
    }
  }

  private handle(job: Job): void | Promise<void> {
    let command;
    try {
      command = decodeWorkerCommand(job.name, job.data);
    } catch (err) {
      if (!(err instanceof MessageDecodeError)) throw err;
      // Retrying cannot fix a malformed command: complete the job and say so.
      this.logger.warn(`ignored malformed command ${job.name} (job ${job.id ?? '?'}): ${err.message}`);
      return;
    }
    if (!command) {
      this.unknownKind(job.name);
      return;
    }
    if (command.kind === 'CommandBatch') return this.handleBatch(job, command);
    return this.dispatch(command);
  }

  /**
   * The batch's commands in order, each awaited when its handling is (as separate jobs would be, by BullMQ): a
   * failing one does not keep the others from being handled; the job then fails with the first error, as the
   * command's own job would have.
   */
  private async handleBatch(job: Job, batch: DecodedCommandBatch): Promise<void> {
    for (const reason of batch.refused) {
      this.logger.warn(`ignored malformed command in batch job ${job.id ?? '?'}: ${reason}`);
    }
    for (const kind of batch.unknownKinds) this.unknownKind(kind);
    let failure: { err: unknown } | undefined;
    for (const command of batch.commands) {
      try {
        const handled = this.dispatch(command);
        if (handled) await handled;
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }

  /**
   * A run of another app's instance: never run here (its processors, its data are not this app's). Under per-app
   * Redis ACL users only this app's workers and the servers can write to this queue; this guards the rest.
   */
  private foreignApp(appId: number, instanceId: number): void {
    if (this.foreignAppsLogged.has(appId)) return;
    this.foreignAppsLogged.add(appId);
    this.logger.warn(
      `ignored RunInstance of instance ${instanceId}: it is of app ${appId}, this worker's app is ${this.redis.appId}; further ones of that app are ignored silently`,
    );
  }

  private unknownKind(kind: string): void {
    if (this.unknownKindsLogged.has(kind)) return;
    this.unknownKindsLogged.add(kind);
    this.logger.warn(`ignored command of unknown kind '${kind}' (newer server?); further ones are ignored silently`);
  }

  private dispatch(command: SingleWorkerCommand): void | Promise<void> {
    switch (command.kind) {
      case 'RunInstance':
        if (command.appId !== this.redis.appId) return this.foreignApp(command.appId, command.instanceId);
        this.instances.run(command);
        return;
      case 'StopInstance':
        this.instances.stop(command);
        return;
      case 'AckInstanceStatus':
        this.reporter.acknowledge(command.instanceId, command.runningTimes);
        return;
      case 'AckInstanceRunning':
        this.reporter.acknowledgeRunning(command.instanceId, command.runningTimes);
        return;
      case 'RunTasks':
        return this.processors.receive(command);
      case 'StopTasks':
        this.processors.stop(command);
        return;
      case 'TasksReceived':
        this.distributed.received(command);
        return;
      case 'TaskResults':
        // Awaited: a burst of result batches is applied in order, each in one UPDATE.
        return this.distributed.results(command);
      case 'SubtasksCreated':
        this.distributed.subtasksCreated(command);
        return;
      case 'AdoptTasks':
        return this.processors.adopt(command);
      case 'TasksHeld':
        return this.distributed.tasksHeld(command);
    }
  }
}

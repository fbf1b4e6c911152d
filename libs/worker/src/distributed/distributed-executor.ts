import { Injectable } from '@nestjs/common';
import type {
  SubtasksCreatedCommand,
  TaskResultsCommand,
  TasksHeldCommand,
  TasksReceivedCommand,
  WorkerCommand,
} from '@jobnest/common';
import { WorkerDirectory } from '../cluster/worker-directory';
import { WorkerDatabase } from '../database/worker-database';
import type { InstanceExecutor, InstanceOutcome } from '../execution/instance-executor';
import type { InstanceRun } from '../execution/instance-run';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import { WorkerRedis } from '../redis/worker-redis';
import { LogShipper } from '../reporting/log-shipper';
import { StatusReporter } from '../reporting/status-reporter';
import { TaskTracker } from './task-tracker';

/**
 * MAP, MAP_REDUCE and BROADCAST: one TaskTracker per instance run this worker owns, and the routing of the
 * ProcessorTrackers' messages (acknowledgements, results, new subtasks, takeover answers) to it.
 */
@Injectable()
export class DistributedExecutor implements InstanceExecutor {
  private readonly trackers = new Map<number, { runningTimes: number; tracker: TaskTracker }>();

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: ProcessorRegistry,
    private readonly database: WorkerDatabase,
    private readonly redis: WorkerRedis,
    private readonly directory: WorkerDirectory,
    private readonly logs: LogShipper,
    private readonly reporter: StatusReporter,
  ) {}

  async execute(run: InstanceRun): Promise<InstanceOutcome> {
    const processor = this.registry.get(run.command.processor);
    if (!processor) throw new Error(`processor '${run.command.processor}' is not registered`); // checked by the tracker
    const o = this.config.options;
    const tracker = new TaskTracker(run, {
      workerId: o.workerId,
      processor,
      store: this.database.tasks,
      directory: this.directory,
      logs: this.logs,
      reporter: this.reporter,
      send: (workerId: string, command: WorkerCommand) =>
        this.redis
          .commandSender((id) => this.directory.acceptsCommandBatches(id))
          .send(this.redis.addressOf(workerId), command),
    });
    const entry = { runningTimes: run.runningTimes, tracker };
    this.trackers.set(run.instanceId, entry);
    try {
      return await tracker.execute();
    } finally {
      if (this.trackers.get(run.instanceId) === entry) this.trackers.delete(run.instanceId);
    }
  }

  received(command: TasksReceivedCommand): void {
    this.find(command.instanceId, command.runningTimes)?.onReceived(command);
  }

  results(command: TaskResultsCommand): Promise<void> {
    return this.find(command.instanceId, command.runningTimes)?.onResults(command) ?? Promise.resolve();
  }

  tasksHeld(command: TasksHeldCommand): Promise<void> {
    return this.find(command.instanceId, command.runningTimes)?.onTasksHeld(command) ?? Promise.resolve();
  }

  subtasksCreated(command: SubtasksCreatedCommand): void {
    this.find(command.instanceId, command.runningTimes)?.onSubtasksCreated(command.count, command.firstTaskId);
  }

  /** Messages of another run of the instance (an older one, or one a takeover moved elsewhere) are dropped. */
  private find(instanceId: number, runningTimes: number): TaskTracker | undefined {
    const entry = this.trackers.get(instanceId);
    return entry && entry.runningTimes === runningTimes ? entry.tracker : undefined;
  }
}

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
import { LogShipper } from '../logs/log-shipper';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import { WorkerRedis } from '../redis/worker-redis';
import { StatusReporter } from '../reporting/status-reporter';
import { DistributedRun } from './distributed-run';
import type { InstanceExecutor, InstanceOutcome } from './instance-executor';
import type { InstanceRun } from './instance-run';

/**
 * MAP, MAP_REDUCE and BROADCAST: one DistributedRun per instance this worker tracks, and the routing of the
 * ProcessorTrackers' messages (acknowledgements, results, new subtasks) to it.
 */
@Injectable()
export class DistributedExecutor implements InstanceExecutor {
  private readonly runs = new Map<number, { runningTimes: number; run: DistributedRun }>();

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
    const coordinator = new DistributedRun(run, {
      workerId: o.workerId,
      processor,
      store: this.database.tasks,
      directory: this.directory,
      logs: this.logs,
      reporter: this.reporter,
      send: (workerId: string, command: WorkerCommand) =>
        this.redis.commandSender(o.redisUrl, o.workerId, o.prefix).send(workerId, command),
    });
    const entry = { runningTimes: run.runningTimes, run: coordinator };
    this.runs.set(run.instanceId, entry);
    try {
      return await coordinator.execute();
    } finally {
      if (this.runs.get(run.instanceId) === entry) this.runs.delete(run.instanceId);
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
  private find(instanceId: number, runningTimes: number): DistributedRun | undefined {
    const entry = this.runs.get(instanceId);
    return entry && entry.runningTimes === runningTimes ? entry.run : undefined;
  }
}

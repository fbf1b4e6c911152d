import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { errorMessage, withTimeout } from '@jobnest/common';
import { WorkerDirectory } from './cluster/worker-directory';
import { appFromServer } from './auth/server-credentials';
import { WorkerDatabase } from './database/worker-database';
import { ServiceUnreachableError } from './errors';
import { InstanceTracker } from './execution/instance-tracker.service';
import { HeartbeatSender } from './heartbeat/heartbeat-sender';
import { CommandIntake } from './intake/command-intake';
import { JobnestWorkerService } from './jobnest-worker.service';
import { WorkerConfig } from './options/worker-config';
import { ProcessorRegistry } from './processor/processor-registry';
import { WorkerRedis } from './redis/worker-redis';
import { LogShipper } from './reporting/log-shipper';
import { StatusReporter } from './reporting/status-reporter';
import { ProcessorTracker } from './subtasks/processor-tracker';
import { redactUrl } from './util/redact-url';
import { WorkerLogger } from './util/worker-logger';

/** Time aborted processors get to return, so that their last log lines are shipped before the worker leaves. */
const ABORT_GRACE_MS = 1000;
/** Upper bound of each shutdown step: an unreachable Redis must not keep the process from exiting. */
const SHUTDOWN_STEP_MS = 3000;

/**
 * Boot and shutdown order of the worker, in one place (Nest would run the hooks of separate services in an order
 * that is not ours to choose). Every step that fails at boot rejects the host's NestFactory call.
 */
@Injectable()
export class JobnestWorkerRuntime
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new WorkerLogger(JobnestWorkerRuntime.name, () => this.config.knownWorkerId);
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: ProcessorRegistry,
    private readonly database: WorkerDatabase,
    private readonly redis: WorkerRedis,
    private readonly identity: JobnestWorkerService,
    private readonly heartbeat: HeartbeatSender,
    private readonly logs: LogShipper,
    private readonly reporter: StatusReporter,
    private readonly instances: InstanceTracker,
    private readonly intake: CommandIntake,
    private readonly directory: WorkerDirectory,
    private readonly processorTracker: ProcessorTracker,
  ) {}

  /** Options and processors are checked before any connection is opened. */
  onModuleInit(): void {
    this.config.resolve();
    this.registry.discover();
  }

  /** After the host's own modules are initialised: its processors may need them from the first command on. */
  async onApplicationBootstrap(): Promise<void> {
    const o = this.config.options;
    try {
      await this.database.connect(o.mysqlUrl, o.databaseRetryWindowMs);
      const { appId, streamParts } =
        o.serverUrl === null
          ? await this.database.verifyCredentials(o.appName, o.password, o.mysqlUrl)
          : await appFromServer(o.serverUrl, o.appName, o.password);
      this.database.openTasks(appId);
      this.identity.setIdentity({ workerId: o.workerId, appId, processors: this.registry.names() });
      this.redis.open(o.redis, o.workerId, { appId, streamParts }, o.prefix);
      try {
        await this.heartbeat.start(); // the server sees this worker before the boot promise resolves
      } catch (err) {
        const detail = this.redis.lastConnectionError ?? errorMessage(err);
        throw new ServiceUnreachableError('Redis', redactUrl(o.redisUrl), detail);
      }
      this.logs.start();
      this.reporter.start();
      this.directory.start(appId);
      await this.intake.start();
      this.started = true;
      this.logger.log(
        `worker ${o.workerId} of app '${o.appName}' (#${appId}) takes commands on prefix '${this.redis.ownQueuePrefix}' ` +
          `(processors: ${this.registry.names().join(', ') || 'none'})`,
      );
    } catch (err) {
      // The host may live on after a failed boot: leave no loop or connection behind.
      await this.step('closing the command queue consumer', this.intake.stop());
      await Promise.all([
        this.logs.stop(false),
        this.reporter.stop(false),
        this.heartbeat.stop(false),
        this.directory.stop(),
      ]);
      await this.closeConnections();
      throw err;
    }
  }

  beforeApplicationShutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    await this.closeConnections();
  }

  /** Stop taking commands, fail what runs (the server retries it), then ship what is left and say goodbye. */
  private async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const id = this.config.options.workerId;
    await this.step('closing the command queue consumer', this.intake.stop(!this.redis.isConnected));
    this.instances.abortAllForShutdown();
    this.processorTracker.abortAll();
    await this.instances.waitForExecutions(ABORT_GRACE_MS);
    await this.step('stopping the heartbeat reader', this.directory.stop());
    if (this.redis.isConnected) {
      await this.step('shipping the last log lines', this.logs.stop());
      await this.step('sending the last instance statuses', this.reporter.stop());
      await this.step('sending the last heartbeat', this.heartbeat.stop());
    } else {
      // Each send would wait for reconnect attempts first; the server retries the runs of a worker that went silent.
      this.logger.warn(
        `Redis is unreachable: ${this.logs.bufferedCount} log lines and ${this.reporter.pendingCount} final statuses are not sent`,
      );
      await Promise.all([this.logs.stop(false), this.reporter.stop(false), this.heartbeat.stop(false)]);
    }
    this.logger.log(`worker ${id} stopped`);
  }

  private async closeConnections(): Promise<void> {
    await this.step('closing Redis connections', this.redis.closeAll());
    await this.step('closing the MySQL pool', this.database.close());
  }

  private async step(what: string, promise: Promise<void>): Promise<void> {
    try {
      await withTimeout(promise, SHUTDOWN_STEP_MS, what);
    } catch (err) {
      this.logger.warn(`${what} failed: ${errorMessage(err)}`);
    }
  }
}

import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { errorMessage } from '@jobnest/common';
import { TaskStore } from '@jobnest/persistence';
import { ClusterViewService } from '../cluster/cluster-view.service';
import { WorkerLastSeenRecord } from '../cluster/worker-last-seen';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { deleteInBatches, type KeepGoing } from './batched-delete';
import { removeLegacyServerQueues } from './legacy-queue-retention';
import { purgeExpiredWorkflowInstances } from './workflow-instance-retention';
import { purgeExpiredInstances } from './instance-retention';
import { purgeExpiredLogs } from './log-retention';
import { purgeExpiredTasks } from './task-retention';
import { removeQueuesOfGoneWorkers } from './worker-queue-retention';

/** What one retention pass deleted. */
export interface RetentionReport {
  tasks: number;
  instances: number;
  workflowInstances: number;
  logLines: number;
  auditEntries: number;
  alarmDeliveries: number;
  /** Idempotency keys past their TTL. */
  idempotencyKeys: number;
  workerQueues: string[];
  /** Server-owned queues of the layout before hash tags, deleted (see removeLegacyServerQueues). */
  legacyQueues: string[];
}

/**
 * Keeps what grows with use bounded, every JOBNEST_RETENTION_INTERVAL_MS on the reconciliation lease holder:
 * task rows (JOBNEST_TASK_RETENTION_MS), finished instances with their logs and tasks (JOBNEST_INSTANCE_RETENTION_MS),
 * log lines (JOBNEST_LOG_RETENTION_MS), audit entries (JOBNEST_AUDIT_RETENTION_MS), the alarm delivery history
 * (JOBNEST_ALARM_HISTORY_RETENTION_MS) and the command queues of gone workers (JOBNEST_WORKER_QUEUE_RETENTION_MS).
 * A pass runs in the background, so a first purge of millions of rows does not hold up reconciliation; it stops
 * between two batches when the lease is lost or the server stops.
 */
@Injectable()
export class RetentionService implements OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private running: Promise<void> | undefined;
  private lastPassAt = 0;
  private stopping = false;

  constructor(
    private readonly config: ServerConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tasks: TaskStore,
    private readonly lastSeen: WorkerLastSeenRecord,
    private readonly cluster: ClusterViewService,
    private readonly commands: WorkerCommands,
    private readonly connections: RedisConnections,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Starts a pass in the background when one is due and none is running (called by the reconciler while it holds the lease). */
  runIfDue(now: number, stillHolding: () => boolean): void {
    if (this.running || this.stopping || now - this.lastPassAt < this.config.retentionIntervalMs) return;
    this.lastPassAt = now;
    const keepGoing = (): boolean => !this.stopping && stillHolding();
    this.running = this.pass(now, keepGoing)
      .then((report) => this.logReport(report))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One pass; a failing step is logged and the next ones still run. */
  async pass(now: number, keepGoing: KeepGoing): Promise<RetentionReport> {
    const { config, dataSource, tasks } = this;
    const report: RetentionReport = {
      tasks: 0,
      instances: 0,
      workflowInstances: 0,
      logLines: 0,
      auditEntries: 0,
      alarmDeliveries: 0,
      idempotencyKeys: 0,
      workerQueues: [],
      legacyQueues: [],
    };
    await this.step('task', async () => {
      report.tasks += await purgeExpiredTasks(tasks, config.taskRetentionMs, now, keepGoing);
    });
    // Before the instance step: a node instance goes only once its workflow instance is gone.
    await this.step('workflow instance', async () => {
      report.workflowInstances += await purgeExpiredWorkflowInstances(
        dataSource,
        config.instanceRetentionMs,
        now,
        keepGoing,
      );
    });
    await this.step('instance', async () => {
      const purged = await purgeExpiredInstances(dataSource, config.instanceRetentionMs, now, keepGoing, tasks);
      report.instances += purged.instances;
      report.logLines += purged.logLines;
      report.tasks += purged.tasks;
    });
    await this.step('log', async () => {
      report.logLines += await purgeExpiredLogs(dataSource, config.logRetentionMs, now, keepGoing);
    });
    await this.step('audit', async () => {
      if (config.auditRetentionMs === 0) return;
      const cutoff = now - config.auditRetentionMs;
      report.auditEntries += await deleteInBatches(
        dataSource,
        'DELETE FROM audit_log WHERE at < ?',
        [cutoff],
        keepGoing,
      );
    });
    await this.step('alarm history', async () => {
      if (config.alarms.historyRetentionMs === 0) return;
      const cutoff = now - config.alarms.historyRetentionMs;
      report.alarmDeliveries += await deleteInBatches(
        dataSource,
        'DELETE FROM alarm_delivery WHERE created_time < ?',
        [cutoff],
        keepGoing,
      );
    });
    await this.step('idempotency key', async () => {
      // A live key is never deleted: its TTL, not a retention setting, says how long it holds.
      report.idempotencyKeys += await deleteInBatches(
        dataSource,
        'DELETE FROM idempotency_key WHERE expires_at < ?',
        [now],
        keepGoing,
      );
    });
    await this.step('worker queue', async () => {
      report.workerQueues = await removeQueuesOfGoneWorkers(
        this.lastSeen,
        this.cluster,
        this.commands,
        config.workerQueueRetentionMs,
        now,
        keepGoing,
      );
    });
    await this.step('legacy queue', async () => {
      report.legacyQueues = await removeLegacyServerQueues(this.connections.commands, config.keys);
    });
    return report;
  }

  private async step(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.logger.error(`${what} retention failed (retried next pass): ${errorMessage(err)}`);
    }
  }

  private logReport(report: RetentionReport): void {
    const { tasks, instances, workflowInstances, logLines, auditEntries, alarmDeliveries, workerQueues } = report;
    const keys = report.idempotencyKeys;
    if (instances + workflowInstances + tasks + logLines + auditEntries + alarmDeliveries + keys > 0) {
      this.logger.log(
        `retention deleted ${workflowInstances} workflow instances, ${instances} instances, ${logLines} log lines, ${tasks} task rows, ${auditEntries} audit entries, ${alarmDeliveries} alarm deliveries and ${keys} expired idempotency keys`,
      );
    }
    if (workerQueues.length > 0) {
      const shown = workerQueues.slice(0, 20).join(', ') + (workerQueues.length > 20 ? ', ...' : '');
      this.logger.log(`removed the command queues of ${workerQueues.length} gone workers: ${shown}`);
    }
    if (report.legacyQueues.length > 0) {
      this.logger.log(`removed the queues left by servers of an older version: ${report.legacyQueues.join(', ')}`);
    }
  }
}

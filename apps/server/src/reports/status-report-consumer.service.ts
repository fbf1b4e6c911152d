import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { forEachLimited, type InstanceStatusReport } from '@jobnest/common';
import {
  decodeInstanceStatusReport,
  streamNames,
  type RejectedEntry,
  type StreamEntry,
  type StreamGroupConsumer,
} from '@jobnest/transport';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { ServerConfig } from '../platform/config/server-config';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { reportAcknowledgements } from './report-acknowledgements';
import { startServerStreamConsumer } from './server-stream-consumer';
import { StatusReportHandler } from './status-report-handler.service';

/** Instances whose reports one server applies at once (each takes a pooled MySQL connection while it runs). */
const APPLY_PARALLELISM = 8;

/**
 * Consumes the `instance-status` stream in the servers' consumer group. An instance's reports are applied in stream order,
 * XACKed after MySQL committed, and every report is acknowledged to its worker (which re-sends it until then),
 * dropped ones included, so a worker never re-sends forever.
 */
@Injectable()
export class StatusReportConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusReportConsumer.name);
  private consumer: StreamGroupConsumer<InstanceStatusReport> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly handler: StatusReportHandler,
    private readonly commands: WorkerCommands,
  ) {}

  onApplicationBootstrap(): void {
    this.consumer = startServerStreamConsumer(this.config, this.connections, 'status-consumer', {
      stream: streamNames(this.config.prefix).instanceStatus,
      decode: decodeInstanceStatusReport,
      handle: (entries) => this.handle(entries),
      logger: this.logger,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  /**
   * One batch: the reports of each instance in stream order, different instances side by side (APPLY_PARALLELISM
   * at a time): each report is its own conditional UPDATE, so only an instance's own reports need an order, and a
   * burst (a fan-out's nodes ending together) costs a few round trips instead of one per report.
   */
  private async handle(entries: StreamEntry<InstanceStatusReport>[]): Promise<RejectedEntry[]> {
    const rejected: RejectedEntry[] = [];
    const byInstance = new Map<number, StreamEntry<InstanceStatusReport>[]>();
    for (const entry of entries) {
      const group = byInstance.get(entry.message.instanceId);
      if (group) group.push(entry);
      else byInstance.set(entry.message.instanceId, [entry]);
    }
    await forEachLimited([...byInstance.values()], APPLY_PARALLELISM, async (group) => {
      for (const { id, message } of group) {
        if ((await this.handler.apply(message)) === 'unknown-instance') {
          rejected.push({ id, reason: `instance ${message.instanceId} does not exist` });
        }
      }
    });
    await Promise.all(
      reportAcknowledgements(entries.map((e) => e.message)).map(({ workerId, command }) =>
        this.commands.send(workerId, command),
      ),
    );
    return rejected;
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { InstanceStatusReport } from '@jobnest/common';
import {
  decodeInstanceStatusReport,
  type RejectedEntry,
  type StreamEntry,
  type StreamGroupConsumer,
} from '@jobnest/transport';
import { WorkerCommands } from '../dispatch/worker-commands.provider';
import { ServerConfig } from '../platform/config/server-config';
import type { LaneReaders } from '../platform/redis/lane-readers';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { ReportStreams } from '../platform/redis/report-streams.service';
import { reportAcknowledgements } from './report-acknowledgements';
import { startServerStreamConsumers } from './server-stream-consumer';
import { StatusReportHandler } from './status-report-handler.service';

/** Most reports read and applied at once. */
const REPORT_BATCH_SIZE = 500;

/**
 * Consumes the `instance-status` stream in the servers' consumer group. An instance's reports are applied in stream order,
 * XACKed after MySQL committed, and every report is acknowledged to its worker (which re-sends it until then),
 * dropped ones included, so a worker never re-sends forever.
 */
@Injectable()
export class StatusReportConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusReportConsumer.name);
  private consumers: LaneReaders<StreamGroupConsumer<InstanceStatusReport>> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly streams: ReportStreams,
    private readonly handler: StatusReportHandler,
    private readonly commands: WorkerCommands,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers = startServerStreamConsumers(this.config, this.connections, this.streams, 'instanceStatus', {
      decode: decodeInstanceStatusReport,
      handle: (entries) => this.handle(entries),
      logger: this.logger,
      // One transaction per batch whatever its size: larger batches when reports pour in.
      batchSize: REPORT_BATCH_SIZE,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumers?.stop();
  }

  /**
   * One batch, applied in one transaction (StatusReportHandler), then acknowledged to the workers: a report of an
   * unknown instance is rejected (dead-lettered by the consumer), every other one acknowledged, dropped ones too.
   */
  private async handle(entries: StreamEntry<InstanceStatusReport>[]): Promise<RejectedEntry[]> {
    const outcomes = await this.handler.apply(entries.map((e) => e.message));
    const rejected: RejectedEntry[] = [];
    entries.forEach(({ stream, id, message }, i) => {
      if (outcomes[i] === 'unknown-instance')
        rejected.push({ stream, id, reason: `instance ${message.instanceId} does not exist` });
    });
    await Promise.all(
      reportAcknowledgements(entries.map((e) => ({ report: e.message, appId: this.streams.appOf(e.stream) }))).map(
        ({ worker, command }) => this.commands.send(worker, command),
      ),
    );
    return rejected;
  }
}

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
import { ServerBeats } from '../platform/redis/server-beats.service';
import { reportAcknowledgements, type ReceivedReport } from './report-acknowledgements';
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
    private readonly beats: ServerBeats,
    private readonly handler: StatusReportHandler,
    private readonly commands: WorkerCommands,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers = startServerStreamConsumers(
      this.config,
      this.connections,
      this.streams,
      this.beats,
      'instanceStatus',
      {
        decode: decodeInstanceStatusReport,
        handle: (entries) => this.handle(entries),
        logger: this.logger,
        // One transaction per batch whatever its size: larger batches when reports pour in.
        batchSize: REPORT_BATCH_SIZE,
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumers?.stop();
  }

  /**
   * One batch, applied in one transaction (StatusReportHandler), then acknowledged to the workers: a report of an
   * unknown instance, or of an instance of another app than its stream's, is rejected (dead-lettered by the
   * consumer, logged once), and changes nothing.
   */
  private async handle(entries: StreamEntry<InstanceStatusReport>[]): Promise<RejectedEntry[]> {
    const streamApps = entries.map((e) => this.streams.appOf(e.stream));
    const outcomes = await this.handler.apply(
      entries.map((e) => e.message),
      streamApps,
    );
    const rejected: RejectedEntry[] = [];
    entries.forEach(({ stream, id, message }, i) => {
      if (outcomes[i] === 'unknown-instance')
        rejected.push({ stream, id, reason: `instance ${message.instanceId} does not exist` });
      else if (outcomes[i] === 'foreign-app')
        rejected.push({ stream, id, reason: `instance ${message.instanceId} is not of app ${streamApps[i]}` });
    });
    // Every report is acknowledged, refused ones too (on the queue of its stream's app), so none is re-sent forever.
    const received: ReceivedReport[] = entries.map((e, i) => ({ report: e.message, appId: streamApps[i] ?? null }));
    await Promise.all(
      reportAcknowledgements(received).map(({ worker, command }) => this.commands.send(worker, command)),
    );
    return rejected;
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { LogBatch } from '@jobnest/common';
import { InstanceLogEntity } from '@jobnest/persistence';
import { decodeLogBatch, type RejectedEntry, type StreamEntry, type StreamGroupConsumer } from '@jobnest/transport';
import { InstanceRepository } from '../instances/state/instance.repository';
import { ServerConfig } from '../platform/config/server-config';
import { MetricsService } from '../platform/observability/metrics.service';
import type { LaneReaders } from '../platform/redis/lane-readers';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { ReportStreams } from '../platform/redis/report-streams.service';
import { ServerBeats } from '../platform/redis/server-beats.service';
import { startServerStreamConsumers } from './server-stream-consumer';

const ROWS_PER_INSERT = 1000;
const MAX_MESSAGE = 16_000;

/** Consumes the apps' `logs` streams: every batch of entries becomes multi-row INSERTs, then one XACK. */
@Injectable()
export class LogConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LogConsumer.name);
  private consumers: LaneReaders<StreamGroupConsumer<LogBatch>> | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly connections: RedisConnections,
    private readonly streams: ReportStreams,
    private readonly beats: ServerBeats,
    @InjectRepository(InstanceLogEntity) private readonly logs: Repository<InstanceLogEntity>,
    private readonly instances: InstanceRepository,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers = startServerStreamConsumers(this.config, this.connections, this.streams, this.beats, 'logs', {
      decode: decodeLogBatch,
      handle: (entries) => this.store(entries),
      logger: this.logger,
      batchSize: 200,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumers?.stop();
  }

  /**
   * One SELECT to check the batch's instance ids and their apps, multi-row INSERTs for the lines in one transaction.
   * An entry naming an unknown instance, or an instance of another app than its stream's, is refused whole.
   */
  private async store(entries: StreamEntry<LogBatch>[]): Promise<RejectedEntry[]> {
    const ids = [...new Set(entries.flatMap(({ message }) => message.lines.map((l) => l.instanceId)))];
    const appOf = await this.instances.appsOf(ids);
    const rejected: RejectedEntry[] = [];
    const accepted = entries.filter(({ stream, id, message }) => {
      const streamApp = this.streams.appOf(stream);
      const unknown = message.lines.find((l) => !appOf.has(l.instanceId));
      if (unknown) rejected.push({ stream, id, reason: `instance ${unknown.instanceId} does not exist` });
      const foreign =
        unknown || streamApp === null ? undefined : message.lines.find((l) => appOf.get(l.instanceId) !== streamApp);
      if (foreign) rejected.push({ stream, id, reason: `instance ${foreign.instanceId} is not of app ${streamApp}` });
      return !unknown && !foreign;
    });
    const rows = accepted.flatMap(({ message }) =>
      message.lines.map((line) => ({
        instanceId: line.instanceId,
        time: line.time,
        level: line.level,
        workerId: message.workerId,
        message: line.message.length > MAX_MESSAGE ? `${line.message.slice(0, MAX_MESSAGE)}...` : line.message,
      })),
    );
    // One transaction: a failed batch leaves no lines behind, so applying it again (entry by entry) adds no doubles.
    if (rows.length > 0)
      await this.logs.manager.transaction(async (manager) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await manager.insert(InstanceLogEntity, rows.slice(i, i + ROWS_PER_INSERT));
        }
      });
    this.metrics.logLines.inc(rows.length);
    return rejected;
  }
}

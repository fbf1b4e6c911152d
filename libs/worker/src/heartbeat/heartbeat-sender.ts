import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { JOBNEST_VERSION, type Heartbeat, ThrottledErrorLog, WORKER_FEATURES } from '@jobnest/common';
import { JobnestWorkerService } from '../jobnest-worker.service';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import { InstanceTracker } from '../execution/instance-tracker.service';
import { WorkerRedis } from '../redis/worker-redis';
import { RepeatingTimer } from '../util/repeating-timer';
import { WorkerLogger } from '../util/worker-logger';
import { collectWorkerMetrics } from './worker-metrics';

/**
 * Heartbeats kept in their stream (XADD MAXLEN ~). Unlike reports and log lines, a heartbeat lost to trimming is
 * harmless (the next one supersedes it) and no consumer group tracks this stream, so it is capped by length here.
 * Servers and TaskTrackers read back at most the worker timeout: 10,000 entries cover it for ~1,000 workers at
 * the default 2 s interval.
 */
const HEARTBEAT_STREAM_MAX_LEN = 10_000;

/** Tells every server this worker is alive, what it can run and how loaded it is. */
@Injectable()
export class HeartbeatSender {
  private readonly errors = new ThrottledErrorLog(
    new WorkerLogger(HeartbeatSender.name, () => this.config.knownWorkerId),
  );
  private timer: RepeatingTimer | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly identity: JobnestWorkerService,
    private readonly registry: ProcessorRegistry,
    private readonly redis: WorkerRedis,
    private readonly instances: InstanceTracker,
  ) {}

  /** Sends one heartbeat (rejecting if Redis does not take it), then one every heartbeatIntervalMs. */
  async start(): Promise<void> {
    await this.send(false);
    this.timer = new RepeatingTimer(this.config.options.heartbeatIntervalMs, () =>
      this.send(false).catch((err: unknown) => this.errors.error('heartbeat', 'sending a heartbeat failed', err)),
    );
    this.timer.start();
  }

  /** Stops the loop and sends the last heartbeat (`shuttingDown`) so servers forget this worker at once. */
  async stop(sendLast = true): Promise<void> {
    this.timer?.stop();
    this.timer = undefined;
    if (!sendLast) return;
    await this.send(true).catch((err: unknown) =>
      this.errors.error('heartbeat', 'sending the last heartbeat failed', err),
    );
  }

  private async send(shuttingDown: boolean): Promise<void> {
    const o = this.config.options;
    const heartbeat: Heartbeat = {
      kind: 'Heartbeat',
      workerId: o.workerId,
      appId: this.identity.appId,
      appName: o.appName,
      host: hostname(),
      pid: process.pid,
      tags: o.tags,
      processors: this.registry.names(),
      metrics: collectWorkerMetrics(),
      runningInstances: this.instances.runningCount,
      maxConcurrentInstances: o.maxConcurrentInstances,
      time: Date.now(),
      shuttingDown,
      sdkVersion: JOBNEST_VERSION,
      features: [WORKER_FEATURES.commandBatch, WORKER_FEATURES.appKeys],
    };
    await this.redis.producer.add(this.redis.streams.heartbeats, heartbeat, { maxLen: HEARTBEAT_STREAM_MAX_LEN });
  }
}

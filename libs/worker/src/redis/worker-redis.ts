import { Injectable } from '@nestjs/common';
import {
  createRedisConnection,
  KeyLayout,
  streamPartOf,
  StreamProducer,
  WorkerCommandSender,
  type AppStreams,
  type RedisClient,
  type RedisTarget,
  type WorkerAddress,
} from '@jobnest/transport';
import { errorMessage, ThrottledErrorLog } from '@jobnest/common';
import type { VerifiedApp } from '../auth/verified-app';
import { redactUrl } from '../util/redact-url';
import { WorkerLogger } from '../util/worker-logger';

/** What open() learnt: where Redis is, and the worker's keys in it. */
interface OpenedKeys {
  target: RedisTarget;
  layout: KeyLayout;
  appId: number;
  streams: AppStreams;
  ownQueuePrefix: string;
}

/**
 * Redis connections of the worker. The producer connection gives up on a command after a few reconnect attempts
 * (instead of queueing it until Redis returns) so the heartbeat, log and status loops see the error, keep their
 * data and try again on their next tick; BullMQ gets its own connection with `maxRetriesPerRequest: null`.
 */
@Injectable()
export class WorkerRedis {
  /** Set by open(): the connections are opened once the options are known. */
  private workerId: string | undefined;
  private readonly logger = new WorkerLogger(WorkerRedis.name, () => this.workerId);
  private readonly errors = new ThrottledErrorLog(this.logger);
  private readonly connections: RedisClient[] = [];
  private producerConnection: RedisClient | undefined;
  /** Set by open(): where Redis is and the app's keys. */
  private keys: OpenedKeys | undefined;
  private streamProducer: StreamProducer | undefined;
  private lastError: string | undefined;
  private sender: WorkerCommandSender | undefined;

  /**
   * Opens the producer connection; the app's keys are known from here on: heartbeats on the app's stream, status
   * reports and log lines on this worker's part of the app's streams (streamPartOf).
   */
  open(target: RedisTarget, workerId: string, app: VerifiedApp, prefix: string): void {
    this.workerId = workerId;
    const layout = new KeyLayout(prefix);
    const part = layout.appStreams(app.appId, streamPartOf(workerId, app.streamParts));
    const streams = { ...part, heartbeats: layout.appStreams(app.appId).heartbeats };
    this.keys = {
      target,
      layout,
      appId: app.appId,
      streams,
      ownQueuePrefix: layout.workerQueuePrefix({ workerId, appId: app.appId }),
    };
    this.producerConnection = this.track(
      createRedisConnection(target, `jobnest-worker-${workerId}`, { maxRetriesPerRequest: 2 }),
    );
    this.streamProducer = new StreamProducer(this.producerConnection);
  }

  /** The app's heartbeat, status and log streams. */
  get streams(): AppStreams {
    return this.opened().streams;
  }

  /** This worker's app. */
  get appId(): number {
    return this.opened().appId;
  }

  /** Where a worker of this app (this one or a fellow) takes its commands. */
  addressOf(workerId: string): WorkerAddress {
    return { workerId, appId: this.opened().appId };
  }

  /** BullMQ prefix of this worker's own command queue. */
  get ownQueuePrefix(): string {
    return this.opened().ownQueuePrefix;
  }

  /** XADDs to the report streams. */
  get producer(): StreamProducer {
    if (!this.streamProducer) throw new Error('the Jobnest worker Redis connection is not open yet');
    return this.streamProducer;
  }

  /** A new connection for a BullMQ Worker (blocking commands wait for a reconnect). Closed by closeAll(). */
  bullConnection(): RedisClient {
    return this.connect('commands');
  }

  /** A new connection for one blocking reader (XREAD BLOCK holds it). Closed by closeAll(). */
  dedicatedConnection(purpose: string): RedisClient {
    return this.connect(purpose);
  }

  /**
   * Puts commands on other workers' queues (subtasks, acknowledgements, results); one shared connection.
   * `acceptsBatches` (used by the first call, which creates the sender) says which workers take CommandBatch jobs.
   */
  commandSender(acceptsBatches: (workerId: string) => boolean): WorkerCommandSender {
    this.sender ??= new WorkerCommandSender(this.dedicatedConnection('commands-out'), this.opened().layout, {
      acceptsBatches,
    });
    return this.sender;
  }

  /** True while the producer connection is up (shutdown skips sends that could only time out). */
  get isConnected(): boolean {
    return this.producerConnection?.status === 'ready';
  }

  /** Message of the last connection error, if any (a failed command only says it gave up). */
  get lastConnectionError(): string | undefined {
    return this.lastError;
  }

  async closeAll(): Promise<void> {
    const sender = this.sender;
    this.sender = undefined;
    await sender?.close().catch(() => undefined);
    const connections = this.connections.splice(0);
    this.streamProducer = undefined;
    this.producerConnection = undefined;
    this.keys = undefined;
    await Promise.all(
      connections.map(async (c) => {
        try {
          // QUIT waits for pending replies; during an outage it would wait for the reconnect, so cut the socket.
          if (c.status === 'ready') await c.quit();
          else c.disconnect();
        } catch {
          c.disconnect();
        }
      }),
    );
  }

  private opened(): OpenedKeys {
    if (!this.keys) throw new Error('the Jobnest worker Redis connection is not open yet');
    return this.keys;
  }

  private connect(purpose: string): RedisClient {
    return this.track(createRedisConnection(this.opened().target, `jobnest-worker-${this.workerId}-${purpose}`));
  }

  private track(connection: RedisClient): RedisClient {
    // Without a listener ioredis prints every reconnect failure; it reconnects by itself anyway.
    const where = `Redis ${redactUrl(this.opened().target.url)}`;
    connection.on('error', (err: unknown) => {
      this.lastError = errorMessage(err);
      this.errors.error('redis', where, err);
    });
    this.connections.push(connection);
    return connection;
  }
}

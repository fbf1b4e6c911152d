import { Injectable } from '@nestjs/common';
import { createRedisConnection, StreamProducer, WorkerCommandSender } from '@jobnest/transport';
import type { Redis } from 'ioredis';
import { errorMessage, ThrottledErrorLog } from '@jobnest/common';
import { redactUrl } from '../util/redact-url';
import { WorkerLogger } from '../util/worker-logger';

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
  private readonly connections: Redis[] = [];
  private producerConnection: Redis | undefined;
  private streamProducer: StreamProducer | undefined;
  private lastError: string | undefined;
  private sender: WorkerCommandSender | undefined;

  open(redisUrl: string, workerId: string): void {
    this.workerId = workerId;
    this.producerConnection = this.track(
      createRedisConnection(redisUrl, `jobnest-worker-${workerId}`, { maxRetriesPerRequest: 2 }),
      redisUrl,
    );
    this.streamProducer = new StreamProducer(this.producerConnection);
  }

  /** XADDs to the report streams. */
  get producer(): StreamProducer {
    if (!this.streamProducer) throw new Error('the Jobnest worker Redis connection is not open yet');
    return this.streamProducer;
  }

  /** A new connection for a BullMQ Worker (blocking commands wait for a reconnect). Closed by closeAll(). */
  bullConnection(redisUrl: string, workerId: string): Redis {
    return this.track(createRedisConnection(redisUrl, `jobnest-worker-${workerId}-commands`), redisUrl);
  }

  /** A new connection for one blocking reader (XREAD BLOCK holds it). Closed by closeAll(). */
  dedicatedConnection(redisUrl: string, workerId: string, purpose: string): Redis {
    return this.track(createRedisConnection(redisUrl, `jobnest-worker-${workerId}-${purpose}`), redisUrl);
  }

  /**
   * Puts commands on other workers' queues (subtasks, acknowledgements, results); one shared connection.
   * `acceptsBatches` (used by the first call, which creates the sender) says which workers take CommandBatch jobs.
   */
  commandSender(
    redisUrl: string,
    workerId: string,
    prefix: string,
    acceptsBatches: (workerId: string) => boolean,
  ): WorkerCommandSender {
    this.sender ??= new WorkerCommandSender(this.dedicatedConnection(redisUrl, workerId, 'commands-out'), prefix, {
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

  private track(connection: Redis, redisUrl: string): Redis {
    // Without a listener ioredis prints every reconnect failure; it reconnects by itself anyway.
    connection.on('error', (err: unknown) => {
      this.lastError = errorMessage(err);
      this.errors.error('redis', `Redis ${redactUrl(redisUrl)}`, err);
    });
    this.connections.push(connection);
    return connection;
  }
}

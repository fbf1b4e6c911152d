import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottledErrorLog } from '@jobnest/common';
import { trimAcknowledged } from '@jobnest/transport';
import { RedisConnections } from '../platform/redis/redis-connections.service';
import { ReportStreams } from '../platform/redis/report-streams.service';

/** How often the report streams are trimmed. */
const TRIM_INTERVAL_MS = 5000;
/** Trim steps per stream per pass (each deletes up to ~10,000 entries), so a long backlog goes within a few passes. */
const MAX_STEPS_PER_PASS = 20;
/** A failing pass (Redis down) is logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Trims the apps' `instance-status` and `logs` streams below what the servers' consumer group acknowledged. Workers add
 * to these streams without a length cap, because XADD MAXLEN deletes the oldest entries whether or not a server
 * has read them: while every server is down, reports and log lines would be lost. Here only entries that every
 * group has acknowledged go (see trimAcknowledged), so a backlog waits in Redis for as long as the servers are away.
 * Runs on every server: trimming is idempotent, and no server is needed for any other to trim.
 */
@Injectable()
export class StreamTrimmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamTrimmer.name);
  /** A warning, not an error: the next pass retries, and nothing is lost while the streams wait. */
  private readonly failures = new ThrottledErrorLog({ error: (line) => this.logger.warn(line) }, ERROR_LOG_INTERVAL_MS);
  private timer: NodeJS.Timeout | undefined;
  private trimming: Promise<void> | undefined;

  constructor(
    private readonly connections: RedisConnections,
    private readonly streams: ReportStreams,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.trimming ??= this.trimAll().finally(() => (this.trimming = undefined));
    }, TRIM_INTERVAL_MS);
  }

  /** Does not wait for a pass in flight: with Redis down it would wait for the reconnect; a cut pass is harmless. */
  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass over every app's status and log streams (public for tests). Never rejects. */
  async trimAll(): Promise<void> {
    for (const stream of [...this.streams.all('instanceStatus'), ...this.streams.all('logs')]) {
      try {
        let deleted = 0;
        for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
          const trim = await trimAcknowledged(this.connections.commands, stream);
          deleted += trim.deleted;
          if (trim.deleted === 0) break;
        }
        if (deleted > 0) this.logger.debug(`trimmed ${deleted} acknowledged entries of ${stream}`);
      } catch (err) {
        this.failures.error('trim', `trimming ${stream} failed, will retry`, err);
      }
    }
  }
}

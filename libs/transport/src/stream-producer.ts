import type { RedisClient } from './redis-connection';
import type { StreamMessage } from '@jobnest/common';
import { encodeMessage, MESSAGE_FIELD } from './message-codec';

/** How a stream may be trimmed as an entry is added. */
export interface StreamAddOptions {
  /**
   * Keep about this many entries (XADD MAXLEN ~). Only for streams whose old entries may be lost without harm
   * (heartbeats): trimming by length deletes entries no consumer has read yet. (Default: no trimming; the report
   * streams are trimmed by the servers below what their consumer group acknowledged, see StreamTrimmer)
   */
  maxLen?: number;
}

/**
 * Appends Jobnest messages to a stream. It does not trim by default: an entry added while every server is down must
 * still be there when one comes back.
 */
export class StreamProducer {
  constructor(private readonly redis: RedisClient) {}

  async add(stream: string, message: StreamMessage, options: StreamAddOptions = {}): Promise<string> {
    const id = await this.redis.xadd(stream, ...trimArgs(options), '*', MESSAGE_FIELD, encodeMessage(message));
    return id ?? '';
  }

  /** One round trip for many messages. */
  async addMany(stream: string, messages: StreamMessage[], options: StreamAddOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    const pipeline = this.redis.pipeline();
    const trim = trimArgs(options);
    for (const m of messages) pipeline.xadd(stream, ...trim, '*', MESSAGE_FIELD, encodeMessage(m));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}

function trimArgs(options: StreamAddOptions): ['MAXLEN', '~', number] | [] {
  if (options.maxLen === undefined) return [];
  if (!Number.isInteger(options.maxLen) || options.maxLen < 1) {
    throw new RangeError(`maxLen must be a positive whole number (got ${options.maxLen})`);
  }
  return ['MAXLEN', '~', options.maxLen];
}

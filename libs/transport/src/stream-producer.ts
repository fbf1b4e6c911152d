import type { Redis } from 'ioredis';
import type { StreamMessage } from '@jobnest/common';
import { encodeMessage, MESSAGE_FIELD } from './message-codec';

/** Appends Jobnest messages to a stream, trimmed approximately to `maxLen` entries. */
export class StreamProducer {
  constructor(
    private readonly redis: Redis,
    private readonly maxLen = 100_000,
  ) {}

  async add(stream: string, message: StreamMessage): Promise<string> {
    const id = await this.redis.xadd(stream, 'MAXLEN', '~', this.maxLen, '*', MESSAGE_FIELD, encodeMessage(message));
    return id ?? '';
  }

  /** One round trip for many messages. */
  async addMany(stream: string, messages: StreamMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const m of messages) pipeline.xadd(stream, 'MAXLEN', '~', this.maxLen, '*', MESSAGE_FIELD, encodeMessage(m));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}

import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import type { JobnestClient } from '@jobnest/client';
import { waitUntil } from './cluster';

/**
 * Waits until the instance runs, then adds a SUCCEEDED report of it (with `result`) to `stream` and has `consumer`
 * read it without acknowledging: XADD and XREADGROUP in one transaction, so the entry lands in that consumer's pending
 * list, as a server that dies in the middle of a batch leaves it.
 */
export async function reportHeldBy(
  client: JobnestClient,
  redis: Redis,
  stream: string,
  instanceId: number,
  consumer: string,
  result: string,
): Promise<void> {
  await waitUntil(async () => (await client.getInstance(instanceId)).status === 'RUNNING', 10_000, 'RUNNING');
  const running = await client.getInstance(instanceId);
  const report = {
    kind: 'InstanceStatusReport',
    instanceId,
    workerId: running.workerId,
    runningTimes: running.runningTimes,
    status: 'SUCCEEDED',
    result,
    time: Date.now(),
  };
  const replies = await redis
    .multi()
    .xadd(stream, '*', 'm', JSON.stringify(report))
    .xreadgroup('GROUP', 'jobnest-servers', consumer, 'COUNT', 10, 'STREAMS', stream, '>')
    .exec();
  const read = replies?.[1]?.[1] as [string, [string, string[]][]][] | null;
  assert.equal(read?.[0]?.[1]?.length, 1, `${consumer} holds the report`);
}

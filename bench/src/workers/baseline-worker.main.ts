/**
 * The baseline: what a Node user would run instead of Jobnest, a plain BullMQ Worker per queue in a process of its
 * own, with BullMQ's defaults (concurrency 1). Its processor returns `<wall ms>:<monotonic ns>` taken at its first
 * line, like the Jobnest bench processor. Settings: BENCH_REDIS_URL, BENCH_PREFIX, BENCH_QUEUES (comma list).
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { encodeStamp, stamp } from '../clock';

async function main(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.BENCH_PREFIX;
  if (!prefix) throw new Error('BENCH_PREFIX is required');
  const queues = (process.env.BENCH_QUEUES ?? '').split(',').filter(Boolean);
  const workers = queues.map(
    (name) =>
      new Worker(name, async () => encodeStamp(stamp()), {
        connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
        prefix,
      }),
  );
  for (const w of workers) w.on('error', (err) => process.stderr.write(`bullmq worker ${w.name}: ${err.message}\n`));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    void Promise.all(workers.map((w) => w.close())).finally(() => process.exit(0));
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.stdout.write(`baseline worker ready (queues: ${queues.join(', ')})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/**
 * The baseline: what a Node user would run instead of Jobnest, plain BullMQ Workers in a process of their own, one
 * per queue, with BullMQ's defaults (concurrency 1 unless the scenario gives one). The processors are in
 * baseline-processors.ts (the default one returns `<wall ms>:<monotonic ns>` taken at its first line, like the
 * Jobnest bench processor). Settings: BENCH_REDIS_URL, BENCH_PREFIX, BENCH_QUEUES (comma list of `queue` or
 * `queue:concurrency`).
 */
import { Worker, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { baselineProcessor } from './baseline-processors';

function parseQueues(text: string): { queue: string; concurrency: number }[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const [queue, concurrency] = item.split(':');
      const n = concurrency === undefined ? 1 : Number(concurrency);
      if (!queue || !Number.isInteger(n) || n < 1) throw new Error(`BENCH_QUEUES: bad entry '${item}'`);
      return { queue, concurrency: n };
    });
}

async function main(): Promise<void> {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.BENCH_PREFIX;
  if (!prefix) throw new Error('BENCH_PREFIX is required');
  const queues = parseQueues(process.env.BENCH_QUEUES ?? '');
  const producerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const producers: Queue[] = [];
  const workers = queues.map(
    ({ queue, concurrency }) =>
      new Worker(queue, baselineProcessor(queue, { connection: producerConnection, prefix, queues: producers }), {
        connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
        prefix,
        concurrency,
      }),
  );
  for (const w of workers) w.on('error', (err) => process.stderr.write(`bullmq worker ${w.name}: ${err.message}\n`));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    void Promise.all([...workers.map((w) => w.close()), ...producers.map((q) => q.close())]).finally(() =>
      process.exit(0),
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.stdout.write(
    `baseline worker ready (queues: ${queues.map((q) => `${q.queue} x${q.concurrency}`).join(', ')})\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

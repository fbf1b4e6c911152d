/**
 * The bench's own worker host: a minimal Nest app with the @jobnest/worker SDK and the bench processors, as a user
 * would write one. Settings: JOBNEST_APP_NAME, JOBNEST_APP_PASSWORD, JOBNEST_REDIS_URL (JOBNEST_REDIS_CLUSTER_NODES), JOBNEST_MYSQL_URL,
 * JOBNEST_PREFIX, JOBNEST_WORKER_ID. Prints `bench worker <id> ready` once it consumes its queue.
 */
import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobnestWorkerModule, JobnestWorkerService, type JobnestWorkerOptions } from '@jobnest/worker';
import { BENCH_PROCESSORS } from './bench-processors';

@Module({})
class BenchWorkerModule {
  static forRoot(options: JobnestWorkerOptions): DynamicModule {
    return {
      module: BenchWorkerModule,
      imports: [JobnestWorkerModule.forRoot(options)],
      providers: [...BENCH_PROCESSORS],
    };
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const options: JobnestWorkerOptions = {
    appName: required('JOBNEST_APP_NAME'),
    password: required('JOBNEST_APP_PASSWORD'),
    redisUrl: required('JOBNEST_REDIS_URL'),
    // Scenario 8 runs a second environment on a Redis Cluster.
    redisClusterNodes: (process.env.JOBNEST_REDIS_CLUSTER_NODES ?? '').split(',').filter((n) => n !== ''),
    mysqlUrl: required('JOBNEST_MYSQL_URL'),
    prefix: required('JOBNEST_PREFIX'),
    workerId: required('JOBNEST_WORKER_ID'),
    // Scenario 7 fires 100 CRON jobs in the same second on 2 workers: with the default 16 each, the server's overload
    // filter (runningInstances from heartbeats, parked timer runs included) would rightly skip slots, and the
    // scenario would measure capacity instead of fan-out. A deployment with that many simultaneous timers sizes it
    // the same way.
    maxConcurrentInstances: 256,
  };
  const app = await NestFactory.createApplicationContext(BenchWorkerModule.forRoot(options), {
    logger: ['fatal', 'error', 'warn', 'log'],
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const worker = app.get(JobnestWorkerService);
  process.stdout.write(`bench worker ${worker.workerId} ready (processors: ${worker.processors.join(', ')})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

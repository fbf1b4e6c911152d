import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobnestWorkerService } from '@jobnest/worker';
import { AppModule } from './app.module';

async function main(): Promise<void> {
  // abortOnError: false makes a failed boot reject here instead of Nest exiting on its own.
  const app = await NestFactory.createApplicationContext(AppModule, { abortOnError: false });
  app.enableShutdownHooks();
  const worker = app.get(JobnestWorkerService);
  new Logger('HelloWorker').log(`worker ${worker.workerId} ready (processors: ${worker.processors.join(', ')})`);
}

main().catch((err: unknown) => {
  process.stderr.write(`hello-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

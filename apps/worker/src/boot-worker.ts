import { Logger, type DynamicModule, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobnestWorkerService } from '@jobnest/worker';

/**
 * Boots a worker host and logs `worker <id> ready (...)` (what scripts and tests wait for). Any failure, from a
 * bad setting to wrong credentials, ends the process with `jobnest-worker: <message>` on stderr and exit code 1.
 */
export async function bootWorker(build: () => { module: DynamicModule; logLevels: readonly LogLevel[] }): Promise<void> {
  try {
    const { module, logLevels } = build();
    const app = await NestFactory.createApplicationContext(module, {
      logger: [...logLevels],
      abortOnError: false, // reject instead of exiting, so the message below is the one the user sees
    });
    app.enableShutdownHooks();
    const worker = app.get(JobnestWorkerService);
    new Logger('JobnestWorker').log(`worker ${worker.workerId} ready (processors: ${worker.processors.join(', ')})`);
  } catch (err) {
    process.stderr.write(`jobnest-worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

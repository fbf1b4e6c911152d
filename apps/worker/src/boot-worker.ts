import { Logger, type DynamicModule, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { errorMessage, installProcessGuards } from '@jobnest/common';
import { JobnestWorkerService } from '@jobnest/worker';

/**
 * Boots a worker host and logs `worker <id> ready (...)` (what scripts and tests wait for). Any failure, from a
 * bad setting to wrong credentials, ends the process with `jobnest-worker: <message>` on stderr and exit code 1.
 */
export async function bootWorker(
  build: () => { module: DynamicModule; logLevels: readonly LogLevel[] },
): Promise<void> {
  installProcessGuards('jobnest-worker'); // an uncaught exception exits with code 1, a stray rejection is logged
  try {
    const { module, logLevels } = build();
    const app = await NestFactory.createApplicationContext(module, {
      logger: [...logLevels],
      abortOnError: false, // reject instead of exiting, so the message below is the one the user sees
    });
    app.enableShutdownHooks();
    const worker = app.get(JobnestWorkerService);
    const logger = new Logger('JobnestWorker');
    logger.log(`worker ${worker.workerId} ready (processors: ${worker.processors.join(', ') || 'none'})`);
    if (worker.processors.length === 0) {
      // Built-ins are opt-in: say how to get some rather than let every job fail "not registered" unexplained.
      logger.warn('this worker offers no processor: set JOBNEST_ENABLE_SHELL=1 and/or JOBNEST_ENABLE_HTTP=1');
    }
  } catch (err) {
    process.stderr.write(`jobnest-worker: ${errorMessage(err)}\n`);
    process.exit(1);
  }
}

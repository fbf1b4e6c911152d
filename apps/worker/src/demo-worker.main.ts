import 'reflect-metadata';
import { bootWorker } from './boot-worker';
import { builtInProcessorProviders, DEMO_PROCESSORS } from './processors';
import { WorkerAppModule } from './worker-app.module';
import { readWorkerEnv } from './worker-env';

/**
 * The worker host of the demo and the end-to-end tests: `node apps/worker/dist/demo-worker.main.js`, the same
 * settings as main.ts plus the `demo.*` processors. Not for production: demo processors are test tools.
 */
void bootWorker(() => {
  const settings = readWorkerEnv();
  return {
    module: WorkerAppModule.forRoot(settings.worker, [
      ...builtInProcessorProviders(settings.builtIns),
      ...DEMO_PROCESSORS,
    ]),
    logLevels: settings.logLevels,
  };
});

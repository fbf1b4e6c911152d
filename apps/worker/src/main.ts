import 'reflect-metadata';
import { bootWorker } from './boot-worker';
import { BUILT_IN_PROCESSORS, DEMO_PROCESSORS } from './processors';
import { WorkerAppModule } from './worker-app.module';
import { readWorkerEnv } from './worker-env';

/** Ready-to-run worker host: `node apps/worker/dist/main.js`, configured by JOBNEST_* environment variables. */
void bootWorker(() => {
  const settings = readWorkerEnv();
  return {
    module: WorkerAppModule.forRoot(settings.worker, [...BUILT_IN_PROCESSORS, ...DEMO_PROCESSORS]),
    logLevels: settings.logLevels,
  };
});

import 'reflect-metadata';
import { bootWorker } from './boot-worker';
import { builtInProcessorProviders } from './processors';
import { WorkerAppModule } from './worker-app.module';
import { readWorkerEnv } from './worker-env';

/**
 * Ready-to-run worker host: `node apps/worker/dist/main.js`, configured by JOBNEST_* environment variables. It
 * offers only the built-in processors switched on by JOBNEST_ENABLE_SHELL / JOBNEST_ENABLE_HTTP (none by default).
 */
void bootWorker(() => {
  const settings = readWorkerEnv();
  return {
    module: WorkerAppModule.forRoot(settings.worker, builtInProcessorProviders(settings.builtIns)),
    logLevels: settings.logLevels,
  };
});

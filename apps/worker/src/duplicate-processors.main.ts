import 'reflect-metadata';
import { JobProcessor, type BasicProcessor, type ProcessResult } from '@jobnest/worker';
import { bootWorker } from './boot-worker';
import { builtInProcessorProviders, DEMO_PROCESSORS } from './processors';
import { WorkerAppModule } from './worker-app.module';
import { readWorkerEnv } from './worker-env';

/*
 * A deliberately broken host: two classes claim 'demo.duplicate'. Boot must fail (exit 1) with a message naming
 * both classes, before any connection is opened. Used by a test.
 */

@JobProcessor('demo.duplicate')
export class FirstDuplicateProcessor implements BasicProcessor {
  async process(): Promise<ProcessResult> {
    return { success: true, result: 'first' };
  }
}

@JobProcessor('demo.duplicate')
export class SecondDuplicateProcessor implements BasicProcessor {
  async process(): Promise<ProcessResult> {
    return { success: true, result: 'second' };
  }
}

void bootWorker(() => {
  // Credentials are never checked (discovery fails first), so the check runs without them too.
  const settings = readWorkerEnv({
    ...process.env,
    JOBNEST_APP_NAME: process.env.JOBNEST_APP_NAME || 'duplicate-check',
    JOBNEST_APP_PASSWORD: process.env.JOBNEST_APP_PASSWORD || 'unused',
  });
  return {
    module: WorkerAppModule.forRoot(settings.worker, [
      ...builtInProcessorProviders(settings.builtIns),
      ...DEMO_PROCESSORS,
      FirstDuplicateProcessor,
      SecondDuplicateProcessor,
    ]),
    logLevels: settings.logLevels,
  };
});

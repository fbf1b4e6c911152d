import type { Provider, Type } from '@nestjs/common';
import type { BasicProcessor } from '@jobnest/worker';
import type { BuiltInProcessorSettings } from '../worker-env';
import { DemoBroadcastProcessor } from './demo/demo-broadcast.processor';
import { DemoBroadcastPlainProcessor } from './demo/demo-broadcast-plain.processor';
import { DemoConcurrencyProcessor } from './demo/demo-concurrency.processor';
import { DemoEchoProcessor } from './demo/demo-echo.processor';
import { DemoFailProcessor } from './demo/demo-fail.processor';
import { DemoHelloProcessor } from './demo/demo-hello.processor';
import { DemoIgnoreAbortProcessor } from './demo/demo-ignore-abort.processor';
import { DemoLogsProcessor } from './demo/demo-logs.processor';
import { DemoMapOnlyProcessor } from './demo/demo-map-only.processor';
import { DemoSleepProcessor } from './demo/demo-sleep.processor';
import { DemoSleepPerRunProcessor } from './demo/demo-sleep-per-run.processor';
import { DemoSpanProcessor } from './demo/demo-span.processor';
import { DemoStartTimeProcessor } from './demo/demo-start-time.processor';
import { DemoSumSquaresProcessor } from './demo/demo-sum-squares.processor';
import { DemoWorkflowStepProcessor } from './demo/demo-workflow-step.processor';
import { HttpProcessor } from './http/http.processor';
import { HTTP_PROCESSOR_SETTINGS } from './http/http-processor-settings';
import { ShellProcessor } from './shell/shell.processor';
import { SHELL_PROCESSOR_SETTINGS } from './shell/shell-processor-settings';

/**
 * The built-in processors this host switched on, with the settings they inject. `shell` and `http` let whoever
 * holds an app token run commands or reach the network from the worker's host, so each is opt-in.
 */
export function builtInProcessorProviders(settings: BuiltInProcessorSettings): Provider[] {
  const providers: Provider[] = [];
  if (settings.shell) providers.push(ShellProcessor, { provide: SHELL_PROCESSOR_SETTINGS, useValue: settings.shell });
  if (settings.http) providers.push(HttpProcessor, { provide: HTTP_PROCESSOR_SETTINGS, useValue: settings.http });
  return providers;
}

/** Processors of the demo and of the end-to-end tests; only demo-worker.main.ts offers them. */
export const DEMO_PROCESSORS: Type<BasicProcessor>[] = [
  DemoHelloProcessor,
  DemoEchoProcessor,
  DemoFailProcessor,
  DemoSleepProcessor,
  DemoLogsProcessor,
  DemoSumSquaresProcessor,
  DemoBroadcastProcessor,
  DemoMapOnlyProcessor,
  DemoIgnoreAbortProcessor,
  DemoSleepPerRunProcessor,
  DemoConcurrencyProcessor,
  DemoBroadcastPlainProcessor,
  DemoSpanProcessor,
  DemoStartTimeProcessor,
  DemoWorkflowStepProcessor,
];

import type { Type } from '@nestjs/common';
import type { BasicProcessor } from '@jobnest/worker';
import { DemoEchoProcessor } from './demo/demo-echo.processor';
import { DemoFailProcessor } from './demo/demo-fail.processor';
import { DemoHelloProcessor } from './demo/demo-hello.processor';
import { DemoLogsProcessor } from './demo/demo-logs.processor';
import { DemoSleepProcessor } from './demo/demo-sleep.processor';
import { DemoBroadcastProcessor } from './demo/demo-broadcast.processor';
import { DemoSumSquaresProcessor } from './demo/demo-sum-squares.processor';
import { HttpProcessor } from './http.processor';
import { ShellProcessor } from './shell.processor';

/** Processors every worker host offers. */
export const BUILT_IN_PROCESSORS: Type<BasicProcessor>[] = [ShellProcessor, HttpProcessor];

/** Processors of the demo and of the end-to-end tests. */
export const DEMO_PROCESSORS: Type<BasicProcessor>[] = [
  DemoHelloProcessor,
  DemoEchoProcessor,
  DemoFailProcessor,
  DemoSleepProcessor,
  DemoLogsProcessor,
  DemoSumSquaresProcessor,
  DemoBroadcastProcessor,
];

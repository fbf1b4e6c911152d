import { Global, Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JOBNEST_WORKER_OPTIONS } from './constants';
import { WorkerDatabase } from './database/worker-database';
import { HeartbeatSender } from './heartbeat/heartbeat-sender';
import { CommandIntake } from './intake/command-intake';
import { JobnestWorkerRuntime } from './jobnest-worker.runtime';
import { JobnestWorkerService } from './jobnest-worker.service';
import { LogShipper } from './logs/log-shipper';
import type { JobnestWorkerAsyncOptions, JobnestWorkerOptions } from './options/jobnest-worker-options';
import { WorkerConfig } from './options/worker-config';
import { ProcessorRegistry } from './processor/processor-registry';
import { WorkerRedis } from './redis/worker-redis';
import { StatusReporter } from './reporting/status-reporter';
import { WorkerDirectory } from './cluster/worker-directory';
import { DistributedExecutor } from './tracker/distributed-executor';
import { ProcessorTracker } from './tracker/processor-tracker';
import { StandaloneExecutor } from './tracker/standalone-executor';
import { TaskTracker } from './tracker/task-tracker.service';

const WORKER_PROVIDERS: Provider[] = [
  WorkerConfig,
  ProcessorRegistry,
  WorkerDatabase,
  WorkerRedis,
  JobnestWorkerService,
  HeartbeatSender,
  LogShipper,
  StatusReporter,
  StandaloneExecutor,
  WorkerDirectory,
  ProcessorTracker,
  DistributedExecutor,
  TaskTracker,
  CommandIntake,
  JobnestWorkerRuntime,
];

/**
 * Turns a Nest application into a Jobnest worker: at boot it finds every @JobProcessor provider, checks the app's
 * credentials, starts heartbeats and takes commands from its own queue. Import it once, in the root module.
 */
@Global()
@Module({})
export class JobnestWorkerModule {
  static forRoot(options: JobnestWorkerOptions): DynamicModule {
    return JobnestWorkerModule.build({ provide: JOBNEST_WORKER_OPTIONS, useValue: options }, []);
  }

  /** Options built by a factory, e.g. from a ConfigService: `{ imports, inject, useFactory }`. */
  static forRootAsync(options: JobnestWorkerAsyncOptions): DynamicModule {
    return JobnestWorkerModule.build(
      { provide: JOBNEST_WORKER_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
      options.imports ?? [],
    );
  }

  private static build(optionsProvider: Provider, imports: NonNullable<ModuleMetadata['imports']>): DynamicModule {
    return {
      module: JobnestWorkerModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [optionsProvider, ...WORKER_PROVIDERS],
      exports: [JobnestWorkerService],
    };
  }
}

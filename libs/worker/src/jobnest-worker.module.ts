import { Global, Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ExecuteType } from '@jobnest/common';
import { WorkerDirectory } from './cluster/worker-directory';
import { JOBNEST_WORKER_OPTIONS } from './constants';
import { WorkerDatabase } from './database/worker-database';
import { DistributedExecutor } from './distributed/distributed-executor';
import { INSTANCE_EXECUTORS, type InstanceExecutors } from './execution/instance-executor';
import { InstanceTracker } from './execution/instance-tracker.service';
import { StandaloneExecutor } from './execution/standalone-executor';
import { HeartbeatSender } from './heartbeat/heartbeat-sender';
import { CommandIntake } from './intake/command-intake';
import { JobnestWorkerRuntime } from './jobnest-worker.runtime';
import { JobnestWorkerService } from './jobnest-worker.service';
import type { JobnestWorkerAsyncOptions, JobnestWorkerOptions } from './options/jobnest-worker-options';
import { WorkerConfig } from './options/worker-config';
import { ProcessorRegistry } from './processor/processor-registry';
import { WorkerRedis } from './redis/worker-redis';
import { LogShipper } from './reporting/log-shipper';
import { StatusReporter } from './reporting/status-reporter';
import { ProcessorTracker } from './subtasks/processor-tracker';

/** The executor of each execute type: STANDALONE runs here, the distributed ones get a TaskTracker each. */
const INSTANCE_EXECUTORS_PROVIDER: Provider = {
  provide: INSTANCE_EXECUTORS,
  useFactory: (standalone: StandaloneExecutor, distributed: DistributedExecutor): InstanceExecutors => ({
    [ExecuteType.STANDALONE]: standalone,
    [ExecuteType.MAP]: distributed,
    [ExecuteType.MAP_REDUCE]: distributed,
    [ExecuteType.BROADCAST]: distributed,
  }),
  inject: [StandaloneExecutor, DistributedExecutor],
};

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
  INSTANCE_EXECUTORS_PROVIDER,
  InstanceTracker,
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

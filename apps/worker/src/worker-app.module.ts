import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { JobnestWorkerModule, type JobnestWorkerOptions } from '@jobnest/worker';

/** The worker host: the Jobnest worker module plus the processor classes (and their settings) this host offers. */
@Module({})
export class WorkerAppModule {
  static forRoot(options: JobnestWorkerOptions, providers: Provider[]): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [JobnestWorkerModule.forRoot(options)],
      providers,
    };
  }
}

import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { JobnestWorkerModule, type BasicProcessor, type JobnestWorkerOptions } from '@jobnest/worker';

/** The worker host: the Jobnest worker module plus the processor classes this host offers. */
@Module({})
export class WorkerAppModule {
  static forRoot(options: JobnestWorkerOptions, processors: Type<BasicProcessor>[]): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [JobnestWorkerModule.forRoot(options)],
      providers: processors,
    };
  }
}

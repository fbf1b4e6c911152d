import { Inject, Injectable } from '@nestjs/common';
import { JOBNEST_WORKER_OPTIONS } from '../constants';
import type { JobnestWorkerOptions, ResolvedWorkerOptions } from './jobnest-worker-options';
import { resolveWorkerOptions } from './resolve-worker-options';

/**
 * The worker's validated options. Validation runs in the runtime's onModuleInit rather than in a provider factory:
 * an error there rejects NestFactory.create()/createApplicationContext() whatever the host's `abortOnError`
 * (a factory error would make Nest exit the process by default).
 */
@Injectable()
export class WorkerConfig {
  private resolved: ResolvedWorkerOptions | undefined;

  constructor(@Inject(JOBNEST_WORKER_OPTIONS) private readonly raw: JobnestWorkerOptions) {}

  resolve(): ResolvedWorkerOptions {
    this.resolved ??= resolveWorkerOptions(this.raw);
    return this.resolved;
  }

  /** The worker id once the options are resolved (log contexts are made before that). */
  get knownWorkerId(): string | undefined {
    return this.resolved?.workerId;
  }

  get options(): ResolvedWorkerOptions {
    if (!this.resolved) throw new Error('Jobnest worker options are read before the module initialised');
    return this.resolved;
  }
}

import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { JOB_PROCESSOR_METADATA } from '../constants';
import { DuplicateProcessorError, InvalidProcessorError } from '../errors';
import { WorkerConfig } from '../options/worker-config';
import { WorkerLogger } from '../util/worker-logger';
import { stepsDeclaredButNotMethods } from './processor-steps';
import type { BasicProcessor } from './processor.interfaces';

interface RegisteredProcessor {
  name: string;
  className: string;
  instance: BasicProcessor;
}

const MAX_NAME_LENGTH = 200; // job_info.processor is VARCHAR(200)

/** Every @JobProcessor provider of the app, by name; filled once at boot by discover(). */
@Injectable()
export class ProcessorRegistry {
  private readonly logger = new WorkerLogger(ProcessorRegistry.name, () => this.config.knownWorkerId);
  private readonly processors = new Map<string, RegisteredProcessor>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly config: WorkerConfig,
  ) {}

  /** Throws DuplicateProcessorError / InvalidProcessorError so that boot fails before the worker takes any job. */
  discover(): void {
    this.processors.clear();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype: unknown = wrapper.metatype;
      if (typeof metatype !== 'function' || wrapper.inject) continue; // factory providers carry no class metadata
      const name = this.reflector.get<string | undefined>(JOB_PROCESSOR_METADATA, metatype as new () => unknown);
      if (name === undefined) continue;
      const className = metatype.name || '<anonymous class>';
      if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME_LENGTH) {
        throw new InvalidProcessorError(
          className,
          `has an invalid name (a non-empty string of at most ${MAX_NAME_LENGTH} characters)`,
        );
      }
      const existing = this.processors.get(name);
      if (existing) {
        // The same class provided by two modules is one processor; two classes with one name are a mistake.
        if (existing.className === className && existing.instance.constructor === metatype) continue;
        throw new DuplicateProcessorError(name, [existing.className, className]);
      }
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || instance === undefined || instance === null) {
        throw new InvalidProcessorError(
          className,
          'must be a singleton provider (request or transient scope is not supported)',
        );
      }
      if (typeof (instance as Partial<BasicProcessor>).process !== 'function') {
        throw new InvalidProcessorError(className, `('${name}') has no process(ctx) method; implement BasicProcessor`);
      }
      this.processors.set(name, { name, className, instance: instance as BasicProcessor });
      for (const step of stepsDeclaredButNotMethods(instance as BasicProcessor)) {
        this.logger.warn(
          `@JobProcessor class ${className} ('${name}') declares ${step} but it is not a method: its MAP_REDUCE instances will be refused`,
        );
      }
    }
    this.logger.log(`registered processors: ${this.names().join(', ') || '(none)'}`);
  }

  get(name: string): BasicProcessor | undefined {
    return this.processors.get(name)?.instance;
  }

  /** The class registered under `name` (for messages). */
  className(name: string): string | undefined {
    return this.processors.get(name)?.className;
  }

  /** Sorted processor names, as sent in heartbeats. */
  names(): string[] {
    return [...this.processors.keys()].sort();
  }
}

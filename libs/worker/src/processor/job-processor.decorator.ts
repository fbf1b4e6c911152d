import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import { JOB_PROCESSOR_METADATA } from '../constants';

/**
 * Marks a class as the processor jobs name with `name` (the job's `processorInfo`). The class must implement
 * BasicProcessor and be listed as a provider of a module of the app; the worker finds it at boot.
 *
 * @example
 * ```ts
 * @JobProcessor('reports.daily')
 * export class DailyReportProcessor implements BasicProcessor {
 *   async process(ctx: TaskContext): Promise<ProcessResult> { return { success: true, result: 'done' }; }
 * }
 * ```
 */
export function JobProcessor(name: string): ClassDecorator {
  return applyDecorators(SetMetadata(JOB_PROCESSOR_METADATA, name), Injectable());
}

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Logger, type LoggerService } from '@nestjs/common';
// Internal to the SDK (not exported from its index): the SDK's log convention.
import { WorkerLogger } from '@jobnest/worker/internal';

/** Keeps every line with its context. */
class Capture implements LoggerService {
  readonly lines: string[] = [];
  log(message: string, context?: string): void {
    this.lines.push(`log [${context}] ${message}`);
  }
  warn(message: string, context?: string): void {
    this.lines.push(`warn [${context}] ${message}`);
  }
  error(message: string, ...rest: unknown[]): void {
    this.lines.push(`error [${String(rest.at(-1))}] ${message}`);
  }
  debug(message: string, context?: string): void {
    this.lines.push(`debug [${context}] ${message}`);
  }
}

describe('WorkerLogger', () => {
  const capture = new Capture();
  Logger.overrideLogger(capture);
  after(() => Logger.overrideLogger(true));

  it('logs under `<ClassName> <workerId>`', () => {
    const logger = new WorkerLogger('ProcessorTracker', 'w-1');
    logger.log('a');
    logger.warn('b');
    logger.error('c');
    assert.deepEqual(capture.lines.splice(0), [
      'log [ProcessorTracker w-1] a',
      'warn [ProcessorTracker w-1] b',
      'error [ProcessorTracker w-1] c',
    ]);
  });

  it('names the worker from the first line written once its id is known', () => {
    let id: string | undefined;
    const logger = new WorkerLogger('InstanceTracker', () => id);
    logger.log('before boot');
    id = 'w-2';
    logger.log('after');
    id = 'changed';
    logger.log('kept');
    assert.deepEqual(capture.lines.splice(0), [
      'log [InstanceTracker] before boot',
      'log [InstanceTracker w-2] after',
      'log [InstanceTracker w-2] kept',
    ]);
  });
});

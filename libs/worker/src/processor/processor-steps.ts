import { ExecuteType } from '@jobnest/common';
import type { BasicProcessor } from './processor.interfaces';

/** The methods an execute type needs beyond process(ctx), and how to name them in a message. */
const REQUIRED_STEPS: Partial<Record<ExecuteType, { method: string; signature: string }>> = {
  [ExecuteType.MAP_REDUCE]: { method: 'reduce', signature: 'reduce(ctx, results)' },
};

/**
 * The method (with its parameters, e.g. `reduce(ctx, results)`) an instance of `executeType` needs and `processor`
 * lacks, or undefined when it has what it needs. The execute type is the job's (chosen on the server), so this is
 * checked when an instance starts, before any task runs.
 */
export function missingStep(processor: BasicProcessor, executeType: ExecuteType): string | undefined {
  const step = REQUIRED_STEPS[executeType];
  if (!step) return undefined;
  return typeof (processor as unknown as Record<string, unknown>)[step.method] === 'function'
    ? undefined
    : step.signature;
}

/**
 * Steps a processor declares as a member that is not a method (a field left undefined, a value): it means to
 * support the execute type, but an instance of it would be refused. Known at boot, unlike the execute types a
 * processor is run with.
 */
export function stepsDeclaredButNotMethods(processor: BasicProcessor): string[] {
  const members = processor as unknown as Record<string, unknown>;
  return Object.values(REQUIRED_STEPS)
    .filter((step) => step.method in members && typeof members[step.method] !== 'function')
    .map((step) => step.signature);
}

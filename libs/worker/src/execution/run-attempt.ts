import { errorMessage, InstanceStatus } from '@jobnest/common';
import type { BasicProcessor, ProcessResult, TaskContext } from '../processor/processor.interfaces';
import type { InstanceOutcome } from './instance-executor';

/**
 * Runs one step of a processor (process, reduce, preProcess, postProcess) and turns whatever happens into an
 * outcome: a thrown error fails it with its message, a malformed return value fails it saying so.
 */
export async function runAttempt(
  processor: BasicProcessor,
  ctx: TaskContext,
  name: string,
  step: (ctx: TaskContext) => Promise<ProcessResult> = (c) => processor.process(c),
): Promise<InstanceOutcome> {
  let returned: unknown;
  try {
    returned = await step(ctx);
  } catch (err) {
    return { status: InstanceStatus.FAILED, result: thrownResult(err) };
  }
  if (!isProcessResult(returned)) {
    return {
      status: InstanceStatus.FAILED,
      result: `processor '${name}' returned an invalid result: expected { success: boolean, result?: string }`,
    };
  }
  return {
    status: returned.success ? InstanceStatus.SUCCEEDED : InstanceStatus.FAILED,
    result: resultText(returned.result),
  };
}

/** A thrown value as the result of what it failed: its message, or the error's name for `throw new Error()`. */
export function thrownResult(err: unknown): string {
  const message = errorMessage(err);
  return message === '' && err instanceof Error ? err.name : message;
}

function isProcessResult(value: unknown): value is ProcessResult {
  return typeof value === 'object' && value !== null && typeof (value as { success?: unknown }).success === 'boolean';
}

/** Tolerates a non-string result from JavaScript processors rather than failing a successful task. */
function resultText(result: unknown): string | null {
  if (result === undefined || result === null) return null;
  if (typeof result === 'string') return result;
  try {
    return JSON.stringify(result) ?? String(result);
  } catch {
    return String(result);
  }
}

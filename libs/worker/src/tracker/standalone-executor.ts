import { Injectable, Logger } from '@nestjs/common';
import { InstanceStatus } from '@jobnest/common';
import { ROOT_TASK_ID, ROOT_TASK_NAME } from '../constants';
import { LogShipper } from '../logs/log-shipper';
import { createTaskLogger } from '../logs/task-logger';
import { WorkerConfig } from '../options/worker-config';
import type { BasicProcessor, ProcessResult, TaskContext } from '../processor/processor.interfaces';
import { createTaskContext } from './task-context';
import { ProcessorRegistry } from '../processor/processor-registry';
import type { InstanceExecutor, InstanceOutcome } from './instance-executor';
import type { InstanceRun } from './instance-run';

/** STANDALONE: the root task runs here, up to 1 + taskRetries attempts. */
@Injectable()
export class StandaloneExecutor implements InstanceExecutor {
  private readonly logger = new Logger('JobnestWorker');

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: ProcessorRegistry,
    private readonly logs: LogShipper,
  ) {}

  async execute(run: InstanceRun): Promise<InstanceOutcome> {
    const { command } = run;
    const processor = this.registry.get(command.processor);
    if (!processor) throw new Error(`processor '${command.processor}' is not registered`); // checked by the tracker
    const maxAttempts = 1 + Math.max(0, command.taskRetries);
    let outcome: InstanceOutcome = { status: InstanceStatus.FAILED, result: null };
    for (let attempt = 1; attempt <= maxAttempts && !run.signal.aborted; attempt++) {
      const ctx = createTaskContext(
        {
          jobId: command.jobId,
          instanceId: command.instanceId,
          taskId: ROOT_TASK_ID,
          taskName: ROOT_TASK_NAME,
          subtask: null,
          isRoot: true,
          jobParams: command.jobParams,
          instanceParams: command.instanceParams,
          attempt,
          taskRetries: command.taskRetries,
          runningTimes: command.runningTimes,
          workerId: this.config.options.workerId,
          signal: run.signal,
          mapUnavailableReason: 'a STANDALONE job runs one task (use MAP or MAP_REDUCE)',
        },
        createTaskLogger(command.instanceId, this.logs),
      );
      outcome = await runAttempt(processor, ctx, command.processor);
      if (outcome.status === InstanceStatus.SUCCEEDED) return outcome;
      if (!run.isEnded) {
        this.logger.warn(
          `instance ${command.instanceId} run ${command.runningTimes}: attempt ${attempt}/${maxAttempts} of '${command.processor}' failed: ${outcome.result ?? '(no result)'}`,
        );
      }
    }
    return outcome;
  }
}

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
    return { status: InstanceStatus.FAILED, result: errorMessage(err) };
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

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

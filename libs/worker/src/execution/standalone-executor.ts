import { Injectable } from '@nestjs/common';
import { InstanceStatus } from '@jobnest/common';
import { ROOT_TASK_NAME } from '../constants';
import { WorkerConfig } from '../options/worker-config';
import { ProcessorRegistry } from '../processor/processor-registry';
import { LogShipper } from '../reporting/log-shipper';
import { createTaskLogger } from '../reporting/task-logger';
import { WorkerLogger } from '../util/worker-logger';
import type { InstanceExecutor, InstanceOutcome } from './instance-executor';
import type { InstanceRun } from './instance-run';
import { runAttempt } from './run-attempt';
import { rootTaskContext } from './task-context';

/** STANDALONE: the root task runs here, up to 1 + taskRetries attempts. */
@Injectable()
export class StandaloneExecutor implements InstanceExecutor {
  private readonly logger = new WorkerLogger(StandaloneExecutor.name, () => this.config.knownWorkerId);

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
      run.workflowAdditions?.clear(); // a failed attempt's keys are not the run's
      const ctx = rootTaskContext(command, {
        taskName: ROOT_TASK_NAME,
        attempt,
        workerId: this.config.options.workerId,
        signal: run.signal,
        logger: createTaskLogger(command.instanceId, this.logs),
        mapUnavailableReason: 'a STANDALONE job runs one task (use MAP or MAP_REDUCE)',
        workflow: run.workflowHandle(),
      });
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

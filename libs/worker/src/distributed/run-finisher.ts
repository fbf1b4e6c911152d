import { ExecuteType, InstanceStatus, type RunInstanceCommand, type TaskCounts } from '@jobnest/common';
import type { TaskStore } from '@jobnest/persistence';
import type { InstanceOutcome } from '../execution/instance-executor';
import type { BasicProcessor, BroadcastProcessor, MapReduceProcessor } from '../processor/processor.interfaces';
import type { RootSteps } from './root-steps';
import { StoredTaskResults } from './stored-task-results';

const REDUCE_TASK_NAME = 'REDUCE_TASK';
const POST_PROCESS_TASK_NAME = 'POST_PROCESS_TASK';

/** What the finisher needs. */
export interface RunFinisherDeps {
  command: RunInstanceCommand;
  processor: BasicProcessor;
  store: Pick<TaskStore, 'resultsPage'>;
  steps: RootSteps;
}

/**
 * The end of a distributed run, once every task finished: the instance's outcome for its execute type. MAP_REDUCE
 * runs reduce() and BROADCAST its postProcess() (when it has one) here, exactly once, over the results stored in
 * MySQL; otherwise the run succeeds when no task failed, with the counts as its result.
 */
export class RunFinisher {
  constructor(private readonly deps: RunFinisherDeps) {}

  async finish(counts: TaskCounts): Promise<InstanceOutcome> {
    const { command, processor, store, steps } = this.deps;
    const summary = JSON.stringify({ total: counts.total, succeeded: counts.succeeded, failed: counts.failed });
    let outcome: InstanceOutcome = {
      status: counts.failed === 0 ? InstanceStatus.SUCCEEDED : InstanceStatus.FAILED,
      result: summary,
    };
    const results = new StoredTaskResults(store, command.instanceId);
    if (command.executeType === ExecuteType.MAP_REDUCE) {
      const { reduce } = processor as Partial<MapReduceProcessor>;
      // The InstanceTracker refuses such a run at its start; this only keeps a reduce-less processor from throwing.
      outcome =
        typeof reduce !== 'function'
          ? {
              status: InstanceStatus.FAILED,
              result: `processor '${command.processor}' has no reduce(ctx, results) method`,
            }
          : await steps.run(REDUCE_TASK_NAME, (ctx) => reduce.call(processor, ctx, results));
    } else if (command.executeType === ExecuteType.BROADCAST) {
      const { postProcess } = processor as BroadcastProcessor;
      if (typeof postProcess === 'function')
        outcome = await steps.run(POST_PROCESS_TASK_NAME, (ctx) => postProcess.call(processor, ctx, results));
    }
    return { ...outcome, tasks: counts };
  }
}

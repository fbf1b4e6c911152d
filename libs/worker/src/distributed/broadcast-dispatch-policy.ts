import { InstanceStatus, type WorkerState } from '@jobnest/common';
import type { WaitingTask } from '@jobnest/persistence';
import type { InstanceOutcome } from '../execution/instance-executor';
import type { BroadcastProcessor } from '../processor/processor.interfaces';
import type { Assignment, DispatchPolicy, DispatchPolicyDeps } from './dispatch-policy';
import type { RootSteps } from './root-steps';

const BROADCAST_TASK_NAME = 'BROADCAST_TASK';

/** A broadcast policy also runs the processor's preProcess. */
export interface BroadcastDispatchDeps extends DispatchPolicyDeps {
  processor: BroadcastProcessor;
  steps: RootSteps;
}

/**
 * BROADCAST: preProcess runs first, then one task per eligible worker, bound to that worker. A task is marked
 * DISPATCHED before it is sent, so a takeover knows it may have run; a task whose worker is gone, or whose dispatch
 * is lost, fails rather than run twice on one host.
 */
export class BroadcastDispatchPolicy implements DispatchPolicy {
  readonly adoptsHeldTasks = false;
  readonly lostTasksAre = 'failed';

  constructor(private readonly deps: BroadcastDispatchDeps) {}

  resumeInFlight(now: number): Promise<void> {
    return this.deps.store.failInFlight(this.deps.instanceId, 'its TaskTracker died while it ran', now);
  }

  async seed(now: number): Promise<InstanceOutcome | undefined> {
    const { processor, steps, fleet, store, instanceId } = this.deps;
    if (typeof processor.preProcess === 'function') {
      const pre = await steps.run('PRE_PROCESS_TASK', (ctx) => processor.preProcess!(ctx));
      if (pre.status !== InstanceStatus.SUCCEEDED)
        return { status: InstanceStatus.FAILED, result: `preProcess failed: ${pre.result ?? ''}` };
    }
    const workers = fleet.eligible();
    if (workers.length === 0) return { status: InstanceStatus.FAILED, result: 'no eligible worker to broadcast to' };
    const payloads = workers.map((w) => JSON.stringify({ workerId: w.workerId }));
    await store.insertSubtasks(instanceId, null, 'broadcast', BROADCAST_TASK_NAME, payloads, now);
    return undefined;
  }

  /**
   * Every live worker: a task was bound to a worker chosen at the start and goes there while that worker lives,
   * whatever its metrics or rank are now (otherwise a worker that dropped out of the selection would hold the run).
   */
  candidates(): WorkerState[] {
    return this.deps.fleet.live();
  }

  /** Each task to its own worker when it has room; a task whose worker is gone fails (it must not run elsewhere). */
  assign(free: Map<string, number>): Assignment | Promise<Assignment> {
    const { ready, fleet } = this.deps;
    const batches: Assignment = new Map();
    const orphans: number[] = [];
    const keep: WaitingTask[] = [];
    for (const row of ready.takeAll()) {
      const target = (JSON.parse(row.payload ?? '{}') as { workerId?: string }).workerId ?? '';
      if (free.has(target)) batches.set(target, [...(batches.get(target) ?? []), row]);
      else if (!fleet.isAlive(target)) orphans.push(row.id);
      else keep.push(row);
    }
    ready.append(keep);
    return orphans.length === 0 ? batches : this.failOrphans(orphans).then(() => batches);
  }

  beforeSend(workerId: string, batch: WaitingTask[]): Promise<void> {
    const { writes, store, instanceId } = this.deps;
    return writes.run(() =>
      store.markDispatched(
        instanceId,
        batch.map((t) => t.id),
        workerId,
        Date.now(),
      ),
    );
  }

  recover(tasks: WaitingTask[], why: string): Promise<void> {
    const { writes, store, instanceId, progress } = this.deps;
    progress.move('running', 'failed', tasks.length);
    const ids = tasks.map((t) => t.id);
    return writes.run(() => store.fail(instanceId, ids, `lost: ${why}`, Date.now()));
  }

  private async failOrphans(ids: number[]): Promise<void> {
    const { writes, store, instanceId, progress } = this.deps;
    await writes.run(() => store.fail(instanceId, ids, 'its worker left before the broadcast reached it', Date.now()));
    progress.move('waiting', 'failed', ids.length);
  }
}

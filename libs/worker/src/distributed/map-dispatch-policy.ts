import type { WorkerState } from '@jobnest/common';
import type { WaitingTask } from '@jobnest/persistence';
import { ROOT_TASK_NAME } from '../constants';
import type { InstanceOutcome } from '../execution/instance-executor';
import type { Assignment, DispatchPolicy, DispatchPolicyDeps } from './dispatch-policy';

/**
 * MAP and MAP_REDUCE: the run starts with the root task; any task goes to any eligible worker, the freest first;
 * nothing is written on dispatch; a lost dispatch goes back to the front of the ready queue.
 */
export class MapDispatchPolicy implements DispatchPolicy {
  readonly adoptsHeldTasks = true;
  readonly lostTasksAre = 're-dispatched';

  constructor(private readonly deps: DispatchPolicyDeps) {}

  resumeInFlight(now: number): Promise<void> {
    return this.deps.store.resetInFlight(this.deps.instanceId, now);
  }

  async seed(now: number): Promise<InstanceOutcome | undefined> {
    await this.deps.store.insertRoot(this.deps.instanceId, ROOT_TASK_NAME, now);
    return undefined;
  }

  candidates(): WorkerState[] {
    return this.deps.fleet.eligible();
  }

  assign(free: Map<string, number>, capacity: number): Assignment {
    return spreadByCapacity(this.deps.ready.take(capacity), free);
  }

  beforeSend(): undefined {
    return undefined;
  }

  recover(tasks: WaitingTask[]): undefined {
    this.deps.ready.requeue(tasks);
    this.deps.progress.move('running', 'waiting', tasks.length);
    return undefined;
  }
}

/** Spreads rows over the workers by free room, filling the freest first. */
export function spreadByCapacity(rows: WaitingTask[], free: Map<string, number>): Assignment {
  const batches: Assignment = new Map();
  const room = new Map(free);
  for (const row of rows) {
    let best: string | undefined;
    let bestRoom = 0;
    for (const [w, r] of room) {
      if (r > bestRoom) {
        best = w;
        bestRoom = r;
      }
    }
    if (!best) break;
    room.set(best, bestRoom - 1);
    const batch = batches.get(best);
    if (batch) batch.push(row);
    else batches.set(best, [row]);
  }
  return batches;
}

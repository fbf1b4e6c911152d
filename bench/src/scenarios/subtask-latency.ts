import { notRunnable, type Scenario } from '../scenario';
import { NEEDS_MAP_REDUCE } from './needs-map-reduce';

/**
 * Scenario 4: subtask start latency. `ctx.map()` of one subtask at a time in a MAP instance: time from the map call
 * returning to the subtask's processor starting, p50/p99 (DESIGN.md §3: milliseconds, not a 5 s dispatch round).
 * Baseline: a BullMQ child job added from inside a running processor to its Worker picking it up.
 * To implement: measure in run(), drop `notRunnableYet`.
 */
export const subtaskLatencyScenario: Scenario = {
  id: 4,
  name: 'subtask-latency',
  title: 'subtask start latency (ctx.map -> subtask processor start)',
  baseline: 'BullMQ: job added from inside a processor -> its Worker starts it, same Redis',
  flags: [{ name: 'subtask-runs', description: 'measured subtasks (scenario 4)', default: 500, quick: 100 }],
  notRunnableYet: NEEDS_MAP_REDUCE,
  run: () => notRunnable(NEEDS_MAP_REDUCE),
};

import { notRunnable, type Scenario } from '../scenario';
import { NEEDS_MAP_REDUCE } from './needs-map-reduce';

/**
 * Scenario 2: scale. One MAP_REDUCE instance with `--scale-subtasks` (1,000,000) subtasks: completes, total time,
 * peak RSS of the server and of the workers (sampled from /proc/<pid>/status VmHWM). Baseline: the same number of
 * BullMQ children under one FlowProducer parent.
 * To implement: measure in run(), drop `notRunnableYet`.
 */
export const scaleScenario: Scenario = {
  id: 2,
  name: 'scale',
  title: 'scale: 1,000,000 subtasks, time and peak RSS',
  baseline: 'BullMQ FlowProducer: 1 parent + N children, same Redis',
  flags: [{ name: 'scale-subtasks', description: 'subtasks of the scale instance (scenario 2)', default: 1_000_000, quick: 100_000 }],
  notRunnableYet: NEEDS_MAP_REDUCE,
  run: () => notRunnable(NEEDS_MAP_REDUCE),
};

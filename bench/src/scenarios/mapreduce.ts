import { notRunnable, type Scenario } from '../scenario';
import { NEEDS_MAP_REDUCE } from './needs-map-reduce';

/**
 * Scenario 1: MapReduce throughput. One MAP_REDUCE instance whose map creates `--mr-subtasks` no-op subtasks over
 * the bench workers, reduce at the end: subtasks/s end to end. Baseline: BullMQ FlowProducer, 1 parent + the same
 * number of children, processed by BullMQ Workers (see DESIGN.md §4: ~6.9k children/s).
 * To implement: measure in run(), drop `notRunnableYet`, add the map/reduce processors to
 * ../workers/bench-processors.ts.
 */
export const mapreduceScenario: Scenario = {
  id: 1,
  name: 'mapreduce',
  title: 'MapReduce throughput (subtasks/s, end to end)',
  baseline: 'BullMQ FlowProducer: 1 parent + N children, BullMQ Workers, same Redis',
  flags: [{ name: 'mr-subtasks', description: 'subtasks of the MapReduce instance (scenario 1)', default: 100_000, quick: 10_000 }],
  notRunnableYet: NEEDS_MAP_REDUCE,
  run: () => notRunnable(NEEDS_MAP_REDUCE),
};

import type { Scenario } from '../scenario';
import { clusterScenario } from './cluster';
import { dispatchScenario } from './dispatch';
import { flowControlScenario } from './flow-control';
import { mapreduceScenario } from './mapreduce';
import { scaleScenario } from './scale';
import { subtaskLatencyScenario } from './subtask-latency';
import { throughputScenario } from './throughput';
import { timersScenario } from './timers';
import { workflowScenario } from './workflow';

/** Every scenario of issue 5, in tracker order. A new scenario is one file in this folder plus its line here. */
export const SCENARIOS: readonly Scenario[] = [
  mapreduceScenario,
  scaleScenario,
  dispatchScenario,
  subtaskLatencyScenario,
  timersScenario,
  workflowScenario,
  throughputScenario,
  clusterScenario,
  flowControlScenario,
];

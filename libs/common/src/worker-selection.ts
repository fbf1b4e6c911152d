import { DispatchStrategy } from './enums';
import type { Heartbeat, WorkerMetrics } from './messages';

/** What a selector knows of one live worker (from its latest heartbeat). */
export interface WorkerState {
  workerId: string;
  appId: number;
  appName: string;
  host: string;
  pid: number;
  tags: string[];
  processors: string[];
  metrics: WorkerMetrics;
  runningInstances: number;
  maxConcurrentInstances: number;
  /** Protocol features the worker announced (Heartbeat.features). */
  features: string[];
  /** Epoch ms (reader's clock) of the latest heartbeat. */
  lastHeartbeat: number;
}

/** A worker's state from its heartbeat, as last heard at `seenAt` (epoch ms). */
export function workerStateFromHeartbeat(hb: Heartbeat, seenAt: number): WorkerState {
  return {
    workerId: hb.workerId,
    appId: hb.appId,
    appName: hb.appName,
    host: hb.host,
    pid: hb.pid,
    tags: hb.tags,
    processors: hb.processors,
    metrics: hb.metrics,
    runningInstances: hb.runningInstances,
    maxConcurrentInstances: hb.maxConcurrentInstances,
    features: hb.features,
    lastHeartbeat: seenAt,
  };
}

/** The parts of a job that decide where it may run. */
export interface PlacementRules {
  processor: string;
  dispatchStrategy: DispatchStrategy;
  designatedWorkers: string[];
  minCpuCores: number;
  minMemoryMb: number;
  /** 0 = no limit. */
  maxWorkerCount: number;
}

export interface Selection {
  /** Eligible workers, best first; empty when none is. */
  workers: WorkerState[];
  /** Why the list is empty (the filter that removed the last candidates). */
  reason?: string;
}

/**
 * Picks the workers an instance (server) or its subtasks (TaskTracker) may run on, best first. Pure: the caller
 * passes the live workers of the app.
 * Filters in order: designated ids/tags (SPECIFY), CPU cores, free memory, overload. Workers that registered the
 * job's processor go first; when none did, the others stay eligible so the instance fails with a message naming
 * the missing processor instead of waiting for nothing.
 */
export function selectWorkers(
  live: readonly WorkerState[],
  rules: PlacementRules,
  random: () => number = Math.random,
  options: { ignoreOverload?: boolean } = {},
): Selection {
  if (live.length === 0) return { workers: [], reason: 'no live worker of this app' };
  let candidates = [...live];
  const steps: [string, (w: WorkerState) => boolean][] = [];
  if (rules.dispatchStrategy === DispatchStrategy.SPECIFY) {
    const wanted = new Set(rules.designatedWorkers);
    steps.push([
      `no live worker matches designatedWorkers [${rules.designatedWorkers.join(', ')}]`,
      (w) => wanted.has(w.workerId) || w.tags.some((t) => wanted.has(t)),
    ]);
  }
  if (rules.minCpuCores > 0) {
    steps.push([`no live worker has ${rules.minCpuCores} CPU cores`, (w) => w.metrics.cpuCores >= rules.minCpuCores]);
  }
  if (rules.minMemoryMb > 0) {
    steps.push([
      `no live worker has ${rules.minMemoryMb} MB free memory`,
      (w) => w.metrics.memoryFreeMb >= rules.minMemoryMb,
    ]);
  }
  // Subtasks are not instances: a worker busy with instances still takes subtasks.
  if (!options.ignoreOverload) {
    steps.push([
      'every eligible worker is overloaded (running its maxConcurrentInstances)',
      (w) => w.runningInstances < w.maxConcurrentInstances,
    ]);
  }
  for (const [reason, keep] of steps) {
    candidates = candidates.filter(keep);
    if (candidates.length === 0) return { workers: [], reason };
  }
  const withProcessor = candidates.filter((w) => w.processors.includes(rules.processor));
  if (withProcessor.length > 0) candidates = withProcessor;

  const ordered =
    rules.dispatchStrategy === DispatchStrategy.RANDOM ? shuffle(candidates, random) : [...candidates].sort(byHealth);
  return { workers: rules.maxWorkerCount > 0 ? ordered.slice(0, rules.maxWorkerCount) : ordered };
}

/** Higher is healthier: idle CPU, free memory share and free instance slots, each 0..1. */
export function healthScore(w: WorkerState): number {
  const cpu = 1 - Math.min(1, w.metrics.cpuLoad);
  const memory = w.metrics.memoryTotalMb > 0 ? w.metrics.memoryFreeMb / w.metrics.memoryTotalMb : 0;
  const slots = w.maxConcurrentInstances > 0 ? 1 - w.runningInstances / w.maxConcurrentInstances : 0;
  return cpu + memory + slots;
}

function byHealth(a: WorkerState, b: WorkerState): number {
  return healthScore(b) - healthScore(a) || a.workerId.localeCompare(b.workerId);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

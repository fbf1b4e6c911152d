import type { WorkerMetrics } from '@jobnest/common';

/** What the server knows of one live worker, from its latest heartbeat. */
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
  /** Epoch ms (server clock) of the latest heartbeat. */
  lastHeartbeat: number;
}

import { apiRequest } from './http';
import type {
  Instance,
  InstanceFilter,
  InstanceStats,
  LogPage,
  LogQuery,
  Page,
  TaskQuery,
  TaskView,
  WorkerTaskCounts,
} from './types';

const INSTANCES = '/api/v1/instances';

export function listInstances(app: string, query: InstanceFilter): Promise<Page<Instance>> {
  return apiRequest(INSTANCES, { app, query: { ...query } });
}

export function getInstance(app: string, id: number): Promise<Instance> {
  return apiRequest(`${INSTANCES}/${id}`, { app });
}

export type InstanceAction = 'stop' | 'cancel' | 'retry';

export function instanceAction(app: string, id: number, action: InstanceAction): Promise<Instance> {
  return apiRequest(`${INSTANCES}/${id}/${action}`, { app, method: 'POST' });
}

export function listTasks(app: string, id: number, query: TaskQuery): Promise<Page<TaskView>> {
  return apiRequest(`${INSTANCES}/${id}/tasks`, { app, query: { ...query } });
}

/** How the instance's subtasks spread over workers, per status. */
export function getTaskCountsByWorker(app: string, id: number): Promise<WorkerTaskCounts[]> {
  return apiRequest(`${INSTANCES}/${id}/tasks/by-worker`, { app });
}

/** Read back from the newest line: pass as `before`. */
export const NEWEST_LOG_LINES = Number.MAX_SAFE_INTEGER;

/**
 * At most `limit` log lines, oldest first: those with an id above `after`, or with `before` the last ones below it.
 */
export function getLogs(app: string, id: number, query: LogQuery, signal?: AbortSignal): Promise<LogPage> {
  return apiRequest(`${INSTANCES}/${id}/logs`, { app, query: { ...query }, signal });
}

export function getInstanceStats(app: string, sinceMs: number, bucketMs: number): Promise<InstanceStats> {
  return apiRequest(`${INSTANCES}/stats`, { app, query: { sinceMs, bucketMs } });
}

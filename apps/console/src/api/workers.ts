import { apiRequest } from './http';
import type { WorkerView } from './types';

/** Live workers of the app (the API answers them all: one entry per live process). */
export function listWorkers(app: string): Promise<WorkerView[]> {
  return apiRequest('/api/v1/workers', { app });
}

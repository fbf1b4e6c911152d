import { apiRequest } from './http';
import type {
  Job,
  JobInput,
  JobFilter,
  Page,
  RunJobOptions,
  RunJobResult,
  TimeExpressionType,
  TimePreview,
} from './types';

const JOBS = '/api/v1/jobs';

export function listJobs(app: string, query: JobFilter): Promise<Page<Job>> {
  return apiRequest(JOBS, { app, query: { ...query } });
}

export function getJob(app: string, id: number): Promise<Job> {
  return apiRequest(`${JOBS}/${id}`, { app });
}

export function createJob(app: string, input: JobInput): Promise<Job> {
  return apiRequest(JOBS, { app, method: 'POST', body: input });
}

export function updateJob(app: string, id: number, input: JobInput): Promise<Job> {
  return apiRequest(`${JOBS}/${id}`, { app, method: 'PUT', body: input });
}

export function deleteJob(app: string, id: number): Promise<void> {
  return apiRequest(`${JOBS}/${id}`, { app, method: 'DELETE' });
}

export function setJobEnabled(app: string, id: number, enabled: boolean): Promise<Job> {
  return apiRequest(`${JOBS}/${id}/${enabled ? 'enable' : 'disable'}`, { app, method: 'POST' });
}

export function runJob(app: string, id: number, input: RunJobOptions): Promise<RunJobResult> {
  return apiRequest(`${JOBS}/${id}/run`, { app, method: 'POST', body: input });
}

/** Next fire times of a time expression (GET /jobs/validate-time?type&expression&timeZone); 400 when invalid. */
export function previewTimes(
  app: string,
  type: TimeExpressionType,
  expression: string,
  timeZone: string,
  signal?: AbortSignal,
): Promise<TimePreview> {
  return apiRequest(`${JOBS}/validate-time`, { app, query: { type, expression, timeZone }, signal });
}

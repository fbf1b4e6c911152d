import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Most entries of each name cache (ids are never reused, names rarely change: an old name in an alarm is harmless). */
const MAX_CACHED = 50_000;

/** A failed instance with what its alarm shows. */
export interface FailedInstanceFacts {
  id: number;
  appId: number;
  appName: string;
  jobId: number;
  jobName: string;
  run: number;
  workerId: string | null;
  reason: string;
  workflowInstanceId: number | null;
  /** When it failed: with the id, names this failure (a user retry that fails again is another). */
  finishedTime: number;
}

/**
 * The reads the alarm evaluator needs, one query per batch: failed instances with their job and app names, and the
 * names and apps of jobs, workflows and apps (cached: an alarm storm reads each name once).
 */
@Injectable()
export class AlarmFacts {
  private readonly appNames = new Map<number, string>();
  private readonly jobs = new Map<number, { appId: number; name: string }>();
  private readonly workflows = new Map<number, string>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async failedInstances(ids: readonly number[]): Promise<FailedInstanceFacts[]> {
    if (ids.length === 0) return [];
    const rows = (await this.db.query(
      `SELECT i.id, i.app_id AS appId, a.name AS appName, i.job_id AS jobId, j.name AS jobName,
              i.running_times AS run, i.worker_id AS workerId, i.status_reason AS statusReason, i.result,
              i.wf_instance_id AS workflowInstanceId, i.finished_time AS finishedTime
         FROM instance_info i
         JOIN app_info a ON a.id = i.app_id
         LEFT JOIN job_info j ON j.id = i.job_id
        WHERE i.id IN (${ids.map(() => '?').join(', ')})`,
      [...ids],
    )) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      id: Number(r.id),
      appId: Number(r.appId),
      appName: String(r.appName),
      jobId: Number(r.jobId),
      jobName: r.jobName === null ? `#${String(r.jobId)}` : String(r.jobName),
      run: Number(r.run),
      workerId: r.workerId === null ? null : String(r.workerId),
      reason: String(r.statusReason ?? r.result ?? 'failed'),
      workflowInstanceId: r.workflowInstanceId === null ? null : Number(r.workflowInstanceId),
      finishedTime: Number(r.finishedTime ?? 0),
    }));
  }

  /** The app of a job this server has read before, without a query (undefined: not known yet). */
  knownJobApp(jobId: number): number | undefined {
    return this.jobs.get(jobId)?.appId;
  }

  /** App and name of each job (deleted jobs are absent). */
  jobsById(ids: readonly number[]): Promise<Map<number, { appId: number; name: string }>> {
    return this.cached(this.jobs, ids, 'SELECT id, app_id AS appId, name FROM job_info', (r) => ({
      appId: Number(r.appId),
      name: String(r.name),
    }));
  }

  workflowNames(ids: readonly number[]): Promise<Map<number, string>> {
    return this.cached(this.workflows, ids, 'SELECT id, name FROM workflow_info', (r) => String(r.name));
  }

  appNamesById(ids: readonly number[]): Promise<Map<number, string>> {
    return this.cached(this.appNames, ids, 'SELECT id, name FROM app_info', (r) => String(r.name));
  }

  /** The cached values of `ids`, after one query (`select` ... WHERE id IN) for those not cached yet. */
  private async cached<V>(
    cache: Map<number, V>,
    ids: readonly number[],
    select: string,
    toValue: (row: Record<string, string | number>) => V,
  ): Promise<Map<number, V>> {
    const missing = [...new Set(ids)].filter((id) => !cache.has(id));
    if (missing.length > 0) {
      const rows = (await this.db.query(
        `${select} WHERE id IN (${missing.map(() => '?').join(', ')})`,
        missing,
      )) as Record<string, string | number>[];
      for (const r of rows) remember(cache, Number(r.id), toValue(r));
    }
    return pick(cache, ids);
  }
}

function remember<V>(cache: Map<number, V>, id: number, value: V): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(id, value);
}

function pick<V>(cache: Map<number, V>, ids: readonly number[]): Map<number, V> {
  const found = new Map<number, V>();
  for (const id of ids) {
    const value = cache.get(id);
    if (value !== undefined) found.set(id, value);
  }
  return found;
}

import { WorkflowNodeType } from '@jobnest/common';
import type { WorkflowInstanceEntity } from '@jobnest/persistence';

/** Instances remembered at most; the oldest is forgotten first. */
const MAX_REMEMBERED = 10_000;
/** A DAG with more jobs than this is not prefetched: its transitions read only the jobs they launch. */
export const MAX_PREFETCHED_JOBS = 50;

/** The app and job ids of a workflow instance's JOB nodes (its DAG never changes while it runs). */
export interface DagJobs {
  appId: number;
  jobIds: number[];
}

/**
 * Remembers, per running workflow instance, which jobs its DAG runs, so a transition reads their rows in parallel
 * with the instance instead of after planning (one MySQL round trip less between a node's end and the next
 * node's start). Only a saving: a transition without it reads the jobs it launches.
 */
export class DagJobsMemo {
  private readonly byInstance = new Map<number, DagJobs | null>();

  /** The instance's jobs, undefined when not known yet, null when too many to prefetch. */
  get(workflowInstanceId: number): DagJobs | null | undefined {
    return this.byInstance.get(workflowInstanceId);
  }

  remember(wf: Pick<WorkflowInstanceEntity, 'id' | 'appId' | 'dag'>): void {
    if (this.byInstance.has(wf.id)) return;
    if (this.byInstance.size >= MAX_REMEMBERED) {
      const oldest = this.byInstance.keys().next().value;
      if (oldest !== undefined) this.byInstance.delete(oldest);
    }
    const jobIds = [...new Set(wf.dag.nodes.filter((n) => n.type === WorkflowNodeType.JOB).map((n) => n.jobId!))];
    this.byInstance.set(wf.id, jobIds.length <= MAX_PREFETCHED_JOBS ? { appId: wf.appId, jobIds } : null);
  }

  forget(workflowInstanceId: number): void {
    this.byInstance.delete(workflowInstanceId);
  }
}

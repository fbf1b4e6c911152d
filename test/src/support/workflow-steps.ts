import type { JobnestClient, WorkflowDag } from '@jobnest/client';

/** Params of `demo.workflow-step` (apps/worker): the keys it adds to the context, a failure, a sleep. */
export interface StepParams {
  set?: Record<string, unknown>;
  fail?: boolean;
  sleepMs?: number;
}

/** Creates a job running `demo.workflow-step` with these params (a workflow-only job) and answers its id. */
export async function createStepJob(client: JobnestClient, params?: StepParams, name?: string): Promise<number> {
  const job = await client.createJob({
    name: name ?? `step-${Math.random().toString(36).slice(2, 8)}`,
    processor: 'demo.workflow-step',
    executeType: 'STANDALONE',
    timeExpressionType: 'WORKFLOW',
    ...(params ? { jobParams: JSON.stringify(params) } : {}),
  });
  return job.id;
}

/** A chain of JOB nodes: each [node id, job id] after the previous one. */
export function chainDag(...nodes: [id: string, jobId: number][]): WorkflowDag {
  return {
    nodes: nodes.map(([id, jobId]) => ({ id, type: 'JOB', jobId })),
    edges: nodes.slice(1).map(([id], i) => ({ from: nodes[i]![0], to: id })),
  };
}

/** A diamond of JOB nodes: top -> (left, right) -> bottom, each [node id, job id]. */
export function diamondDag(
  top: [string, number],
  left: [string, number],
  right: [string, number],
  bottom: [string, number],
): WorkflowDag {
  return {
    nodes: [top, left, right, bottom].map(([id, jobId]) => ({ id, type: 'JOB', jobId })),
    edges: [
      { from: top[0], to: left[0] },
      { from: top[0], to: right[0] },
      { from: left[0], to: bottom[0] },
      { from: right[0], to: bottom[0] },
    ],
  };
}

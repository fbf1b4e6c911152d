import { apiRequest } from './http';
import type { Page, PageQuery } from './types';
import type {
  RunWorkflowOptions,
  RunWorkflowResult,
  Workflow,
  WorkflowInput,
  WorkflowInstance,
  WorkflowInstanceFilter,
} from './workflow-types';

const WORKFLOWS = '/api/v1/workflows';
const RUNS = '/api/v1/workflow-instances';

export function listWorkflows(app: string, query: PageQuery): Promise<Page<Workflow>> {
  return apiRequest(WORKFLOWS, { app, query: { ...query } });
}

export function getWorkflow(app: string, id: number): Promise<Workflow> {
  return apiRequest(`${WORKFLOWS}/${id}`, { app });
}

export function createWorkflow(app: string, input: WorkflowInput): Promise<Workflow> {
  return apiRequest(WORKFLOWS, { app, method: 'POST', body: input });
}

export function updateWorkflow(app: string, id: number, input: WorkflowInput): Promise<Workflow> {
  return apiRequest(`${WORKFLOWS}/${id}`, { app, method: 'PUT', body: input });
}

export function deleteWorkflow(app: string, id: number): Promise<void> {
  return apiRequest(`${WORKFLOWS}/${id}`, { app, method: 'DELETE' });
}

export function setWorkflowEnabled(app: string, id: number, enabled: boolean): Promise<Workflow> {
  return apiRequest(`${WORKFLOWS}/${id}/${enabled ? 'enable' : 'disable'}`, { app, method: 'POST' });
}

export function runWorkflow(app: string, id: number, input: RunWorkflowOptions): Promise<RunWorkflowResult> {
  return apiRequest(`${WORKFLOWS}/${id}/run`, { app, method: 'POST', body: input });
}

export function listWorkflowInstances(app: string, query: WorkflowInstanceFilter): Promise<Page<WorkflowInstance>> {
  return apiRequest(RUNS, { app, query: { ...query } });
}

export function getWorkflowInstance(app: string, id: number): Promise<WorkflowInstance> {
  return apiRequest(`${RUNS}/${id}`, { app });
}

export function workflowInstanceAction(app: string, id: number, action: 'stop' | 'retry'): Promise<WorkflowInstance> {
  return apiRequest(`${RUNS}/${id}/${action}`, { app, method: 'POST' });
}

export function markNodeSucceeded(app: string, id: number, nodeId: string): Promise<WorkflowInstance> {
  return apiRequest(`${RUNS}/${id}/nodes/${encodeURIComponent(nodeId)}/mark-succeeded`, { app, method: 'POST' });
}

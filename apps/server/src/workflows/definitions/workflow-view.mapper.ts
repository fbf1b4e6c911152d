import type { WorkflowInfoEntity } from '@jobnest/persistence';
import type { WorkflowDagDto, WorkflowView } from './workflow.dto';

export function toWorkflowView(workflow: WorkflowInfoEntity): WorkflowView {
  return {
    id: workflow.id,
    appId: workflow.appId,
    name: workflow.name,
    description: workflow.description,
    dag: workflow.dag as WorkflowDagDto,
    timeExpressionType: workflow.timeExpressionType,
    timeExpression: workflow.timeExpression,
    timeZone: workflow.timeZone,
    lifecycle: { start: workflow.lifecycleStart, end: workflow.lifecycleEnd },
    enabled: workflow.enabled,
    maxInstances: workflow.maxInstances,
    overlapPolicy: workflow.overlapPolicy,
    overlapBufferLimit: workflow.overlapBufferLimit,
    continueOnFailure: workflow.continueOnFailure,
    skippedSlots: workflow.skippedSlots,
    misfiredSlots: workflow.misfiredSlots,
    createdAt: workflow.createdAt.toISOString(),
    updatedAt: workflow.updatedAt.toISOString(),
  };
}

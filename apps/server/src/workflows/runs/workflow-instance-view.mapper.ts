import { WorkflowNodeStatus } from '@jobnest/common';
import type { WorkflowInstanceEntity } from '@jobnest/persistence';
import { parseContext } from '../engine/workflow-instance.repository';
import type { WorkflowInstanceView } from './workflow-instance.dto';

export function toWorkflowInstanceView(row: WorkflowInstanceEntity): WorkflowInstanceView {
  return {
    id: row.id,
    appId: row.appId,
    workflowId: row.workflowId,
    status: row.status,
    statusReason: row.statusReason,
    result: row.result,
    initParams: row.initParams,
    context: parseContext(row.context),
    nodes: row.dag.nodes.map((node) => {
      const state = row.nodeStates[node.id];
      return {
        id: node.id,
        name: node.name ?? node.id,
        type: node.type,
        status: state?.status ?? WorkflowNodeStatus.WAITING,
        attempt: state?.attempt ?? 1,
        instanceId: state?.instanceId ?? null,
        childInstanceId: state?.childInstanceId ?? null,
        jobId: node.jobId ?? null,
        workflowId: node.workflowId ?? null,
        result: state?.result ?? null,
        reason: state?.reason ?? null,
        decision: state?.decision ?? null,
        markedSucceeded: state?.markedSucceeded === true,
        startTime: state?.startTime ?? null,
        endTime: state?.endTime ?? null,
      };
    }),
    edges: row.dag.edges,
    triggerSlot: row.triggerSlot,
    expectedTriggerTime: row.expectedTriggerTime,
    actualTriggerTime: row.actualTriggerTime,
    finishedTime: row.finishedTime,
    parentInstanceId: row.parentInstanceId,
    parentNodeId: row.parentNodeId,
    createdAt: row.createdAt.toISOString(),
  };
}

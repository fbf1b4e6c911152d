import type { InstanceInfoEntity, ListedTask } from '@jobnest/persistence';
import type { InstanceView, TaskCountsView, TaskView } from './instance.dto';

/** The view of an instance; `jobName` is its job's name, null once the job is deleted. */
export function toInstanceView(i: InstanceInfoEntity, jobName: string | null): InstanceView {
  return {
    id: i.id,
    jobId: i.jobId,
    jobName,
    status: i.status,
    statusReason: i.statusReason,
    result: i.result,
    workerId: i.workerId,
    runningTimes: i.runningTimes,
    instanceParams: i.instanceParams,
    expectedTriggerTime: i.expectedTriggerTime,
    actualTriggerTime: i.actualTriggerTime,
    finishedTime: i.finishedTime,
    tasks: i.taskCounts ? (JSON.parse(i.taskCounts) as TaskCountsView) : null,
    takeovers: i.takeovers,
    idempotencyKey: i.idempotencyKey,
    concurrencyKey: i.flowKey,
    priority: i.priority,
    heldBy: i.heldBy,
  };
}

const PAYLOAD_PREVIEW = 1000;

export function toTaskView(t: ListedTask): TaskView {
  return {
    taskId: t.id,
    taskName: t.taskName,
    parentId: t.parentId,
    status: t.status,
    workerId: t.workerId,
    attempt: t.attempt,
    failures: t.failures,
    payload:
      t.payload !== null && t.payload.length > PAYLOAD_PREVIEW
        ? `${t.payload.slice(0, PAYLOAD_PREVIEW)}...`
        : t.payload,
    result: t.result,
    createdTime: t.createdTime,
    updatedTime: t.updatedTime,
  };
}

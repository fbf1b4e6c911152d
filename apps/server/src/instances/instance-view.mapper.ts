import type { InstanceInfoEntity } from '@jobnest/persistence';
import type { InstanceView } from './instance.dto';

export function toInstanceView(i: InstanceInfoEntity): InstanceView {
  return {
    id: i.id,
    jobId: i.jobId,
    status: i.status,
    statusReason: i.statusReason,
    result: i.result,
    workerId: i.workerId,
    runningTimes: i.runningTimes,
    instanceParams: i.instanceParams,
    expectedTriggerTime: i.expectedTriggerTime,
    actualTriggerTime: i.actualTriggerTime,
    finishedTime: i.finishedTime,
  };
}

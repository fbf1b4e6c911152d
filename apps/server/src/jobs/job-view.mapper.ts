import type { JobInfoEntity } from '@jobnest/persistence';
import type { JobView } from './job.dto';

export function toJobView(job: JobInfoEntity): JobView {
  return {
    id: job.id,
    appId: job.appId,
    name: job.name,
    description: job.description,
    processor: job.processor,
    executeType: job.executeType,
    timeExpressionType: job.timeExpressionType,
    timeExpression: job.timeExpression,
    timeZone: job.timeZone,
    jobParams: job.jobParams,
    maxInstances: job.maxInstances,
    concurrency: job.concurrency,
    instanceTimeLimitMs: job.instanceTimeLimitMs,
    instanceRetries: job.instanceRetries,
    taskRetries: job.taskRetries,
    dispatchStrategy: job.dispatchStrategy,
    designatedWorkers: job.designatedWorkers,
    maxWorkerCount: job.maxWorkerCount,
    minCpuCores: job.minCpuCores,
    minMemoryMb: job.minMemoryMb,
    lifecycle: { start: job.lifecycleStart, end: job.lifecycleEnd },
    enabled: job.enabled,
    skippedSlots: job.skippedSlots,
    misfiredSlots: job.misfiredSlots,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}

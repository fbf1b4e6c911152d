import type { InstanceInfoEntity } from '@jobnest/persistence';

/** What a RunInstance command carries of the instance row (the rest comes from its job). */
export type RunCommandSource = Pick<
  InstanceInfoEntity,
  | 'id'
  | 'instanceParams'
  | 'jobParamsOverride'
  | 'timeLimitOverrideMs'
  | 'resumeNext'
  | 'wfInstanceId'
  | 'wfNodeId'
  | 'wfContext'
>;

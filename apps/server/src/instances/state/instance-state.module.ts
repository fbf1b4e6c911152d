import { Module } from '@nestjs/common';
import { InstanceEvents } from './instance-events';
import { InstanceRepository } from './instance.repository';
import { InstanceTransitions } from './instance-transitions.service';

/**
 * The state of instances, which every step of a job's path reads and moves: the reads and inserts of `instance_info`
 * (InstanceRepository), its status changes (InstanceTransitions) and the in-process notice that an instance ended.
 */
@Module({
  providers: [InstanceRepository, InstanceTransitions, InstanceEvents],
  exports: [InstanceRepository, InstanceTransitions, InstanceEvents],
})
export class InstanceStateModule {}

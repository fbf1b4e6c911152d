import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { FlowGate } from './flow-gate.service';
import { FlowStateRepository } from './flow-state.repository';

/**
 * Flow control: concurrency keys, rate limits, priorities among waiting instances and buffered timer slots. Launches
 * decide under the job's lock whether a new instance starts or waits (FlowStateRepository, AdmissionBook); the
 * FlowGate lets waiting ones through when they may start.
 */
@Module({
  imports: [DispatchModule, InstanceStateModule],
  providers: [FlowGate, FlowStateRepository],
  exports: [FlowGate, FlowStateRepository],
})
export class FlowModule {}

import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { InstanceStateModule } from '../instances/state/instance-state.module';
import { DispatcherService } from './dispatcher.service';
import { InstanceStopper } from './instance-stopper';
import { WorkerCommands } from './worker-commands.provider';

/**
 * Dispatch: picks a live worker for a due instance, moves it to WAITING_WORKER_RECEIVE and puts RunInstance on that
 * worker's own queue; WorkerCommands also carries every other server -> worker command.
 */
@Module({
  imports: [ClusterModule, InstanceStateModule],
  providers: [DispatcherService, WorkerCommands, InstanceStopper],
  exports: [DispatcherService, WorkerCommands, InstanceStopper, ClusterModule],
})
export class DispatchModule {}

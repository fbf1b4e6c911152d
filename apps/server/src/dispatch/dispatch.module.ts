import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { DelayedDispatchService } from './delayed-dispatch.service';
import { DispatcherService } from './dispatcher.service';
import { InstanceEvents } from './instance-events';
import { InstanceLauncher } from './instance-launcher.service';
import { InstanceTransitions } from './instance-transitions.service';
import { WorkerCommands } from './worker-commands.provider';

@Module({
  imports: [ClusterModule],
  providers: [
    DispatcherService,
    DelayedDispatchService,
    InstanceTransitions,
    WorkerCommands,
    InstanceEvents,
    InstanceLauncher,
  ],
  exports: [
    DispatcherService,
    DelayedDispatchService,
    InstanceTransitions,
    WorkerCommands,
    InstanceEvents,
    InstanceLauncher,
    ClusterModule,
  ],
})
export class DispatchModule {}

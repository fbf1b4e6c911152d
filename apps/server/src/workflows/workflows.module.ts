import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { LaunchModule } from '../launch/launch.module';
import { TimersModule } from '../timers/timers.module';
import { WorkflowValidation } from './definitions/workflow-validation';
import { WorkflowsController } from './definitions/workflows.controller';
import { WorkflowsService } from './definitions/workflows.service';
import { WorkflowEngineModule } from './engine/workflow-engine.module';
import { WorkflowInstancesController } from './runs/workflow-instances.controller';
import { WorkflowInstancesService } from './runs/workflow-instances.service';

/**
 * Workflows: their definitions (validated DAGs, CRUD, timers mirrored like jobs') and the API over their runs
 * (read with the DAG snapshot, stop, retry, mark a node succeeded). The engine that moves runs is engine/.
 */
@Module({
  imports: [JobsModule, TimersModule, LaunchModule, WorkflowEngineModule],
  controllers: [WorkflowsController, WorkflowInstancesController],
  providers: [WorkflowsService, WorkflowValidation, WorkflowInstancesService],
})
export class WorkflowsModule {}

import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import type { Page } from '../../jobs/job.dto';
import { AppAuthGuard } from '../../platform/auth/app-auth.guard';
import { RequiresRole } from '../../platform/auth/required-role.decorator';
import { Audited } from '../../platform/audit/audited.decorator';
import { CurrentApp } from '../../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../../platform/auth/token.service';
import { WorkflowInstanceQueryDto, WorkflowInstanceView } from './workflow-instance.dto';
import { WorkflowInstancesService } from './workflow-instances.service';

@ApiTags('workflow-instances')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/workflow-instances')
export class WorkflowInstancesController {
  constructor(private readonly instances: WorkflowInstancesService) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  list(@CurrentApp() app: AppPrincipal, @Query() query: WorkflowInstanceQueryDto): Promise<Page<WorkflowInstanceView>> {
    return this.instances.list(
      app.appId,
      { workflowId: query.workflowId, status: query.status },
      query.page ?? 1,
      query.size ?? 20,
    );
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: WorkflowInstanceView, description: 'With the DAG snapshot: every node and where it stands' })
  @ApiNotFoundResponse()
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowInstanceView> {
    return this.instances.get(app.appId, id);
  }

  @Post(':id/stop')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'workflow-instance.stop', targetType: 'workflow-instance' })
  @HttpCode(200)
  @ApiOkResponse({ type: WorkflowInstanceView })
  @ApiConflictResponse({ description: 'Already finished' })
  stop(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowInstanceView> {
    return this.instances.stop(app.appId, id);
  }

  @Post(':id/retry')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'workflow-instance.retry', targetType: 'workflow-instance' })
  @HttpCode(200)
  @ApiOkResponse({ type: WorkflowInstanceView, description: 'Runs again from the failed nodes' })
  @ApiConflictResponse({ description: 'Not FAILED or STOPPED' })
  retry(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowInstanceView> {
    return this.instances.retry(app.appId, id);
  }

  @Post(':id/nodes/:nodeId/mark-succeeded')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({
    action: 'workflow-instance.mark-node-succeeded',
    targetType: 'workflow-instance',
    detail: (req) => `node=${String(req.params.nodeId)}`,
  })
  @HttpCode(200)
  @ApiOkResponse({ type: WorkflowInstanceView, description: 'The node counts as succeeded and the instance continues' })
  @ApiConflictResponse({ description: 'The node is not FAILED or STOPPED' })
  markSucceeded(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Param('nodeId') nodeId: string,
  ): Promise<WorkflowInstanceView> {
    return this.instances.markNodeSucceeded(app.appId, id, nodeId);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { PageQueryDto, type Page } from '../../jobs/job.dto';
import { AppAuthGuard } from '../../platform/auth/app-auth.guard';
import { RequiresRole } from '../../platform/auth/required-role.decorator';
import { Audited, fieldOf } from '../../platform/audit/audited.decorator';
import { CurrentApp } from '../../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../../platform/auth/token.service';
import { RunWorkflowDto, RunWorkflowView, WorkflowInputDto, WorkflowView } from './workflow.dto';
import { WorkflowsService } from './workflows.service';

@ApiTags('workflows')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Post()
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({
    action: 'workflow.create',
    targetType: 'workflow',
    detail: (req) => `name=${String(fieldOf(req.body, 'name'))}`,
  })
  @ApiCreatedResponse({ type: WorkflowView })
  @ApiBadRequestResponse({ description: 'The DAG or a field is invalid; the message names the problem' })
  create(@CurrentApp() app: AppPrincipal, @Body() body: WorkflowInputDto): Promise<WorkflowView> {
    return this.workflows.create(app.appId, body);
  }

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  list(@CurrentApp() app: AppPrincipal, @Query() query: PageQueryDto): Promise<Page<WorkflowView>> {
    return this.workflows.list(app.appId, query.page ?? 1, query.size ?? 20);
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: WorkflowView })
  @ApiNotFoundResponse()
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowView> {
    return this.workflows.get(app.appId, id);
  }

  @Put(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'workflow.update', targetType: 'workflow' })
  @ApiOkResponse({ type: WorkflowView })
  @ApiBadRequestResponse({ description: 'The DAG or a field is invalid; the message names the problem' })
  replace(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: WorkflowInputDto,
  ): Promise<WorkflowView> {
    return this.workflows.replace(app.appId, id, body);
  }

  @Delete(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'workflow.delete', targetType: 'workflow' })
  @HttpCode(204)
  @ApiConflictResponse({ description: 'Another workflow nests this one' })
  async remove(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.workflows.delete(app.appId, id);
  }

  @Post(':id/enable')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'workflow.enable', targetType: 'workflow' })
  @HttpCode(200)
  @ApiOkResponse({ type: WorkflowView })
  enable(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowView> {
    return this.workflows.setEnabled(app.appId, id, true);
  }

  @Post(':id/disable')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'workflow.disable', targetType: 'workflow' })
  @HttpCode(200)
  @ApiOkResponse({ type: WorkflowView })
  disable(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<WorkflowView> {
    return this.workflows.setEnabled(app.appId, id, false);
  }

  @Post(':id/run')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({
    action: 'workflow.run',
    targetType: 'workflow',
    detail: (_req, answer) => `workflowInstanceId=${String(fieldOf(answer, 'workflowInstanceId'))}`,
  })
  @ApiCreatedResponse({ type: RunWorkflowView })
  @ApiConflictResponse({ description: 'maxInstances reached' })
  async run(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunWorkflowDto,
  ): Promise<RunWorkflowView> {
    return { workflowInstanceId: await this.workflows.run(app.appId, id, body) };
  }
}

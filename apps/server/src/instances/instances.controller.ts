import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import type { Page } from '../jobs/job.dto';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { RequiresRole } from '../platform/auth/required-role.decorator';
import { Audited } from '../platform/audit/audited.decorator';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import {
  InstanceQueryDto,
  InstanceStatsQueryDto,
  InstanceStatsView,
  InstanceView,
  LogPageView,
  LogQueryDto,
  TaskQueryDto,
  type TaskView,
  WorkerTaskCountsView,
} from './instance.dto';
import { InstancesService } from './instances.service';

@ApiTags('instances')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  list(@CurrentApp() app: AppPrincipal, @Query() query: InstanceQueryDto): Promise<Page<InstanceView>> {
    return this.instances.list(
      app.appId,
      { jobId: query.jobId, status: query.status, since: query.since, until: query.until },
      query.page ?? 1,
      query.size ?? 20,
    );
  }

  /** Declared before `:id` so Express does not take `stats` for an id. */
  @Get('stats')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: InstanceStatsView })
  stats(@CurrentApp() app: AppPrincipal, @Query() query: InstanceStatsQueryDto): Promise<InstanceStatsView> {
    return this.instances.stats(app.appId, query.sinceMs, query.bucketMs);
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: InstanceView })
  @ApiNotFoundResponse()
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.get(app.appId, id);
  }

  @Post(':id/stop')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'instance.stop', targetType: 'instance' })
  @HttpCode(200)
  @ApiConflictResponse({ description: 'already finished' })
  stop(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.stop(app.appId, id);
  }

  @Post(':id/cancel')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'instance.cancel', targetType: 'instance' })
  @HttpCode(200)
  @ApiConflictResponse({ description: 'not waiting any more' })
  cancel(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.cancel(app.appId, id);
  }

  @Post(':id/retry')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'instance.retry', targetType: 'instance' })
  @HttpCode(200)
  @ApiConflictResponse({ description: 'not finished' })
  retry(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.retry(app.appId, id);
  }

  @Get(':id/tasks')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ description: 'Subtasks of a Map / MapReduce / Broadcast instance, by task id' })
  tasks(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Query() query: TaskQueryDto,
  ): Promise<Page<TaskView>> {
    return this.instances.listTasks(app.appId, id, query.status, query.page ?? 1, query.size ?? 20);
  }

  @Get(':id/tasks/by-worker')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: [WorkerTaskCountsView], description: 'Subtask counts per worker, by worker id' })
  tasksByWorker(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
  ): Promise<WorkerTaskCountsView[]> {
    return this.instances.tasksByWorker(app.appId, id);
  }

  @Get(':id/logs')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: LogPageView })
  logs(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Query() query: LogQueryDto,
  ): Promise<LogPageView> {
    return this.instances.logs(app.appId, id, { after: query.after, before: query.before, limit: query.limit ?? 500 });
  }
}

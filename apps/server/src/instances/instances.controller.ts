import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '../jobs/job.dto';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { InstanceQueryDto, InstanceView, LogPageView, LogQueryDto, TaskQueryDto, type TaskView } from './instance.dto';
import { InstancesService } from './instances.service';

@ApiTags('instances')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Get()
  list(@CurrentApp() app: AppPrincipal, @Query() query: InstanceQueryDto): Promise<Page<InstanceView>> {
    return this.instances.list(
      app.appId,
      { jobId: query.jobId, status: query.status },
      query.page ?? 1,
      query.size ?? 20,
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: InstanceView })
  @ApiNotFoundResponse()
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.get(app.appId, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'already finished' })
  stop(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.stop(app.appId, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'not waiting any more' })
  cancel(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.cancel(app.appId, id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'not finished' })
  retry(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<InstanceView> {
    return this.instances.retry(app.appId, id);
  }

  @Get(':id/tasks')
  @ApiOkResponse({ description: 'Subtasks of a Map / MapReduce / Broadcast instance, by task id' })
  tasks(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Query() query: TaskQueryDto,
  ): Promise<Page<TaskView>> {
    return this.instances.listTasks(app.appId, id, query.status, query.page ?? 1, query.size ?? 20);
  }

  @Get(':id/logs')
  @ApiOkResponse({ type: LogPageView })
  logs(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Query() query: LogQueryDto,
  ): Promise<LogPageView> {
    return this.instances.logs(app.appId, id, query.after ?? 0, query.limit ?? 500);
  }
}

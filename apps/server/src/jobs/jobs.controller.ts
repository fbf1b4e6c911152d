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
import { ApiBearerAuth, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JOB_DEFAULTS } from '@jobnest/common';
import { AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { RequiresRole } from '../platform/auth/required-role.decorator';
import { Audited, fieldOf } from '../platform/audit/audited.decorator';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { JobInputDto, JobQueryDto, JobView, ValidateTimeQueryDto, ValidateTimeView, type Page } from './job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'job.create', targetType: 'job', detail: (req) => `name=${String(fieldOf(req.body, 'name'))}` })
  @ApiCreatedResponse({ type: JobView })
  create(@CurrentApp() app: AppPrincipal, @Body() body: JobInputDto): Promise<JobView> {
    return this.jobs.create(app.appId, body);
  }

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  list(@CurrentApp() app: AppPrincipal, @Query() query: JobQueryDto): Promise<Page<JobView>> {
    const { page, size, ...filter } = query;
    return this.jobs.list(app.appId, filter, page ?? 1, size ?? 20);
  }

  /** Declared before `:id` so Express does not take `validate-time` for an id. */
  @Get('validate-time')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: ValidateTimeView })
  validateTime(@Query() query: ValidateTimeQueryDto): ValidateTimeView {
    const times = this.jobs.previewTimes(query.type, query.expression, query.timeZone ?? JOB_DEFAULTS.timeZone, 5);
    return { nextFireTimes: times, nextFireTimesIso: times.map((t) => new Date(t).toISOString()) };
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: JobView })
  @ApiNotFoundResponse()
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<JobView> {
    return this.jobs.get(app.appId, id);
  }

  @Put(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'job.update', targetType: 'job' })
  @ApiOkResponse({ type: JobView })
  replace(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: JobInputDto,
  ): Promise<JobView> {
    return this.jobs.replace(app.appId, id, body);
  }

  @Delete(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'job.delete', targetType: 'job' })
  @HttpCode(204)
  async remove(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.jobs.delete(app.appId, id);
  }

  @Post(':id/enable')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'job.enable', targetType: 'job' })
  @HttpCode(200)
  enable(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<JobView> {
    return this.jobs.setEnabled(app.appId, id, true);
  }

  @Post(':id/disable')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'job.disable', targetType: 'job' })
  @HttpCode(200)
  disable(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<JobView> {
    return this.jobs.setEnabled(app.appId, id, false);
  }
}

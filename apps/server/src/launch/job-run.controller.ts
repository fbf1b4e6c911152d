import { Body, Controller, Param, ParseIntPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { JobInfoEntity } from '@jobnest/persistence';
import { findOwnedJob } from '../jobs/owned-job';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { InstanceLauncher } from './instance-launcher.service';
import { RunJobDto, RunJobView } from './job-run.dto';

/** POST /jobs/:id/run lives here, beside the launcher, so the jobs module needs no dispatch. */
@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/jobs')
export class JobRunController {
  constructor(
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    private readonly launcher: InstanceLauncher,
  ) {}

  @Post(':id/run')
  @ApiCreatedResponse({ type: RunJobView })
  @ApiConflictResponse({ description: 'maxInstances reached' })
  async run(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunJobDto,
  ): Promise<RunJobView> {
    const job = await findOwnedJob(this.jobs, app.appId, id);
    const instanceId = await this.launcher.launch(job, {
      instanceParams: body.instanceParams ?? null,
      delayMs: body.delayMs ?? 0,
    });
    return { instanceId };
  }
}

import { Body, Controller, Param, ParseIntPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { AppAuthGuard } from '../auth/app-auth.guard';
import { CurrentApp } from '../auth/current-app.decorator';
import type { AppPrincipal } from '../auth/token.service';
import { JobsService } from '../jobs/jobs.service';
import { RunJobDto, RunJobView } from './instance.dto';
import { InstanceLauncher } from '../dispatch/instance-launcher.service';

/** POST /jobs/:id/run lives here, beside the instances it creates, so the jobs module needs no dispatch. */
@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/jobs')
export class JobRunController {
  constructor(
    private readonly jobs: JobsService,
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
    const job = await this.jobs.findOwned(app.appId, id);
    const instanceId = await this.launcher.launch(job, {
      instanceParams: body.instanceParams ?? null,
      delayMs: body.delayMs ?? 0,
    });
    return { instanceId };
  }
}

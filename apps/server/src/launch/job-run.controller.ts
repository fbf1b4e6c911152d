import { Body, Controller, Param, ParseIntPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { RequiresRole } from '../platform/auth/required-role.decorator';
import { Audited, fieldOf } from '../platform/audit/audited.decorator';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { InstanceLauncher } from './instance-launcher.service';
import { RunJobBulkDto, RunJobBulkView, RunJobDto, RunJobView } from './job-run.dto';

/** POST /jobs/:id/run and /jobs/:id/runs live here, beside the launcher, so the jobs module needs no dispatch. */
@ApiTags('jobs')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/jobs')
export class JobRunController {
  constructor(private readonly launcher: InstanceLauncher) {}

  @Post(':id/run')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({
    action: 'job.run',
    targetType: 'job',
    waitForWrite: false,
    detail: (_req, answer) => `instanceId=${String(fieldOf(answer, 'instanceId'))}`,
  })
  @ApiCreatedResponse({ type: RunJobView })
  @ApiConflictResponse({ description: 'maxInstances reached' })
  async run(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunJobDto,
  ): Promise<RunJobView> {
    const [instanceId] = await this.launcher.launchRuns(app.appId, id, [
      { instanceParams: body.instanceParams ?? null, delayMs: body.delayMs ?? 0 },
    ]);
    return { instanceId: instanceId! };
  }

  @Post(':id/runs')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'job.run-bulk', targetType: 'job', detail: describeBulkRun, waitForWrite: false })
  @ApiCreatedResponse({ type: RunJobBulkView })
  @ApiConflictResponse({ description: 'the runs would pass maxInstances: none is created' })
  async runMany(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunJobBulkDto,
  ): Promise<RunJobBulkView> {
    const instanceIds = await this.launcher.launchRuns(
      app.appId,
      id,
      body.runs.map((run) => ({ instanceParams: run.instanceParams ?? null, delayMs: run.delayMs ?? 0 })),
    );
    return { instanceIds };
  }
}

/** The audit detail of a bulk run: how many instances, and their id range. */
function describeBulkRun(_request: unknown, answer: unknown): string {
  const ids = (fieldOf(answer, 'instanceIds') as number[] | undefined) ?? [];
  return `runs=${ids.length}` + (ids.length > 0 ? ` instanceIds=${ids[0]}..${ids[ids.length - 1]}` : '');
}

import { BadRequestException, Body, Controller, Param, ParseIntPipe, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { RequiresRole } from '../platform/auth/required-role.decorator';
import { Audited, fieldOf } from '../platform/audit/audited.decorator';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { InstanceLauncher, type LaunchRequest } from './instance-launcher.service';
import { DEFAULT_IDEMPOTENCY_TTL_MS, RunJobBulkDto, RunJobBulkView, RunJobDto, RunJobView } from './job-run.dto';

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
  @ApiCreatedResponse({ type: RunJobView, description: 'A new instance' })
  @ApiOkResponse({ type: RunJobView, description: "The live instance of the run's idempotency key; nothing created" })
  @ApiConflictResponse({ description: 'maxInstances reached' })
  async run(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunJobDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RunJobView> {
    const { instanceIds, created } = await this.launcher.launchRuns(app.appId, id, [toLaunchRequest(body, '')]);
    if (!created[0]) res.status(200);
    return { instanceId: instanceIds[0]!, created: created[0]! };
  }

  @Post(':id/runs')
  @RequiresRole(AppRole.OPERATOR)
  @Audited({ action: 'job.run-bulk', targetType: 'job', detail: describeBulkRun, waitForWrite: false })
  @ApiCreatedResponse({ type: RunJobBulkView, description: 'At least one run created its instance' })
  @ApiOkResponse({ type: RunJobBulkView, description: "Every run answered its idempotency key's live instance" })
  @ApiConflictResponse({ description: 'the new runs would pass maxInstances: none is created' })
  async runMany(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: RunJobBulkDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RunJobBulkView> {
    const runs = body.runs.map((run, i) => toLaunchRequest(run, `runs.${i}.`));
    const { instanceIds, created } = await this.launcher.launchRuns(app.appId, id, runs);
    if (!created.includes(true)) res.status(200);
    return { instanceIds, created };
  }
}

/** A validated run as the launcher takes it; `field` prefixes the names in errors (e.g. `runs.3.`). */
function toLaunchRequest(run: RunJobDto, field: string): LaunchRequest {
  if (run.idempotencyTtlMs !== undefined && run.idempotencyKey === undefined)
    throw new BadRequestException(`${field}idempotencyTtlMs only applies with ${field}idempotencyKey`);
  return {
    instanceParams: run.instanceParams ?? null,
    delayMs: run.delayMs ?? 0,
    idempotencyKey: run.idempotencyKey ?? null,
    idempotencyTtlMs: run.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    concurrencyKey: run.concurrencyKey ?? null,
    priority: run.priority ?? null,
  };
}

/** The audit detail of a bulk run: how many instances, and their id range. */
function describeBulkRun(_request: unknown, answer: unknown): string {
  const ids = (fieldOf(answer, 'instanceIds') as number[] | undefined) ?? [];
  return `runs=${ids.length}` + (ids.length > 0 ? ` instanceIds=${ids[0]}..${ids[ids.length - 1]}` : '');
}

import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../platform/auth/app-auth.guard';
import { RequiresRole } from '../platform/auth/required-role.decorator';
import { CurrentApp } from '../platform/auth/current-app.decorator';
import type { AppPrincipal } from '../platform/auth/token.service';
import { ClusterViewService } from './cluster-view.service';
import type { WorkerState } from './worker-state';

@ApiTags('workers')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/workers')
export class WorkersController {
  constructor(private readonly cluster: ClusterViewService) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ description: 'Live workers of the app: id, host, tags, processors, metrics, last heartbeat' })
  list(@CurrentApp() app: AppPrincipal): Omit<WorkerState, 'appId' | 'appName'>[] {
    return this.cluster
      .liveWorkers(app.appId)
      .sort((a, b) => a.workerId.localeCompare(b.workerId))
      .map(({ appId: _appId, appName: _appName, ...view }) => view);
  }
}

import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { AppAuthGuard } from '../auth/app-auth.guard';
import { CurrentApp } from '../auth/current-app.decorator';
import { RequiresRole } from '../auth/required-role.decorator';
import type { AppPrincipal } from '../auth/token.service';
import type { Page } from '../http/page-query.dto';
import { AuditEntryView, AuditQueryDto } from './audit.dto';
import { AuditLogService } from './audit-log.service';

@ApiTags('audit')
@Controller('api/v1')
export class AuditController {
  constructor(private readonly log: AuditLogService) {}

  @Get('audit')
  @UseGuards(AppAuthGuard)
  @RequiresRole(AppRole.ADMIN)
  @ApiBearerAuth()
  @ApiHeader({ name: 'X-Jobnest-App', required: false, description: 'The app, for a user or admin token' })
  @ApiOkResponse({ type: [AuditEntryView], description: 'Every mutating call in the app, newest first' })
  list(@CurrentApp() app: AppPrincipal, @Query() query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return this.log.list(app.appId, query);
  }

  @Get('server-audit')
  @UseGuards(AdminAuthGuard)
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiOkResponse({
    type: [AuditEntryView],
    description: 'Calls of the server admin that act on no app: apps and users',
  })
  listServer(@Query() query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return this.log.list(null, query);
  }
}

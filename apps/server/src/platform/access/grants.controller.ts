import { Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../auth/app-auth.guard';
import { CurrentApp } from '../auth/current-app.decorator';
import { RequiresRole } from '../auth/required-role.decorator';
import type { AppPrincipal } from '../auth/token.service';
import { Audited, fieldOf } from '../audit/audited.decorator';
import { GrantView, SetGrantDto } from './access.dto';
import { GrantsService } from './grants.service';

/** Who may do what in the request's app: its ADMINs (and the server admin) manage it. */
@ApiTags('users')
@ApiBearerAuth()
@ApiHeader({ name: 'X-Jobnest-App', required: false, description: 'The app, for a user or admin token' })
@UseGuards(AppAuthGuard)
@RequiresRole(AppRole.ADMIN)
@Controller('api/v1/grants')
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @ApiOkResponse({ type: [GrantView] })
  list(@CurrentApp() app: AppPrincipal): Promise<GrantView[]> {
    return this.grants.list(app.appId);
  }

  @Put(':username')
  @Audited({
    action: 'grant.set',
    targetType: 'grant',
    detail: (req) => `role=${String(fieldOf(req.body, 'role'))}`,
  })
  @ApiOkResponse({ type: GrantView })
  @ApiNotFoundResponse({ description: 'no such user' })
  set(
    @CurrentApp() app: AppPrincipal,
    @Param('username') username: string,
    @Body() body: SetGrantDto,
  ): Promise<GrantView> {
    return this.grants.set(app.appId, username, body.role);
  }

  @Delete(':username')
  @HttpCode(204)
  @Audited({ action: 'grant.remove', targetType: 'grant' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'no such user, or no role in this app' })
  async remove(@CurrentApp() app: AppPrincipal, @Param('username') username: string): Promise<void> {
    await this.grants.remove(app.appId, username);
  }
}

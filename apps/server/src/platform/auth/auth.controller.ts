import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Put, UseGuards } from '@nestjs/common';
import { appRedisAcl, serverRedisAcl } from '@jobnest/transport';
import {
  ApiBasicAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AppListItemView } from '../access/access.dto';
import { ServerConfig } from '../config/server-config';
import { Audited, NotAudited } from '../audit/audited.decorator';
import { PublicRoute } from '../http/public-route.decorator';
import { AdminAuthGuard, RegistrationGuard } from './admin-auth.guard';
import { AppDirectoryService } from './app-directory.service';
import {
  AppView,
  ChangePasswordDto,
  CreateAppDto,
  RedisAclView,
  ResetPasswordDto,
  StreamPartsDto,
  TokenRequestDto,
  TokenView,
} from './auth.dto';
import { AppsService } from './apps.service';
import { AuthThrottlerGuard } from './auth-throttler.guard';

/**
 * Apps and their credentials. The credential routes (all but the list) are rate limited per client IP and per app
 * name (429 with Retry-After).
 */
@ApiTags('apps')
@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly apps: AppsService,
    private readonly directory: AppDirectoryService,
    private readonly config: ServerConfig,
  ) {}

  @Get('apps')
  @UseGuards(AdminAuthGuard)
  @ApiBasicAuth()
  @ApiOkResponse({ type: [AppListItemView], description: 'Every app, by name (the server admin only)' })
  async list(): Promise<AppListItemView[]> {
    return (await this.directory.list()).map((app) => ({
      id: app.id,
      name: app.name,
      streamParts: app.streamParts,
      createdAt: app.createdAt.toISOString(),
    }));
  }

  @Put('apps/:name/stream-parts')
  @HttpCode(204)
  @UseGuards(AdminAuthGuard)
  @Audited({ action: 'app.stream-parts', targetType: 'app', appName: (req) => String(req.params.name) })
  @ApiBasicAuth()
  @ApiNoContentResponse({
    description:
      "Splits the app's status and log streams into `parts` Redis slots, for an app whose reports one slot cannot carry " +
      '(the server admin only; the count only grows)',
  })
  @ApiNotFoundResponse({ description: 'no app of that name' })
  @ApiConflictResponse({ description: 'fewer parts than the app has' })
  async setStreamParts(@Param('name') name: string, @Body() body: StreamPartsDto): Promise<void> {
    await this.apps.setStreamParts(name, body.parts);
  }

  @Get('apps/:name/redis-acl')
  @UseGuards(AdminAuthGuard)
  @ApiBasicAuth()
  @ApiOkResponse({
    type: RedisAclView,
    description:
      "The Redis ACL rules of the app's workers (its streams and its workers' queues only) and of the servers, for " +
      "this server's JOBNEST_PREFIX; `jobnest apps redis-acl` turns them into ACL SETUSER lines (the server admin only)",
  })
  @ApiNotFoundResponse({ description: 'no app of that name' })
  async redisAcl(@Param('name') name: string): Promise<RedisAclView> {
    const app = await this.directory.byName(name);
    if (!app) throw new NotFoundException(`app '${name}' not found`);
    return {
      appId: app.appId,
      appName: app.appName,
      app: appRedisAcl(this.config.keys, app.appId),
      server: serverRedisAcl(this.config.keys),
    };
  }

  @Post('apps')
  @UseGuards(AuthThrottlerGuard, RegistrationGuard)
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this IP or for this app; see Retry-After' })
  @Audited({
    action: 'app.create',
    targetType: 'app',
    target: (_req, answer) => (answer as AppView).name,
    appName: (_req, answer) => (answer as AppView).name,
  })
  @ApiBasicAuth()
  @ApiCreatedResponse({ type: AppView })
  @ApiUnauthorizedResponse({ description: 'admin credentials missing or wrong (unless JOBNEST_OPEN_REGISTRATION=1)' })
  @ApiForbiddenResponse({ description: 'the server has no admin (JOBNEST_ADMIN_PASSWORD unset)' })
  @ApiConflictResponse({ description: 'the name exists' })
  register(@Body() body: CreateAppDto): Promise<AppView> {
    return this.apps.register(body.name, body.password);
  }

  @Post('auth/token')
  @HttpCode(200)
  @UseGuards(AuthThrottlerGuard)
  @PublicRoute('the app proves its password in the body')
  @NotAudited('issues a token and changes nothing')
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this IP or for this app; see Retry-After' })
  @ApiOkResponse({ type: TokenView })
  @ApiUnauthorizedResponse({ description: 'wrong app name or password' })
  token(@Body() body: TokenRequestDto): Promise<TokenView> {
    return this.apps.login(body.appName, body.password);
  }

  @Post('auth/password')
  @HttpCode(204)
  @UseGuards(AuthThrottlerGuard)
  @PublicRoute('the app proves its current password in the body')
  @Audited({
    action: 'app.password-change',
    targetType: 'app',
    target: (req) => (req.body as ChangePasswordDto).appName,
    appName: (req) => (req.body as ChangePasswordDto).appName,
    actor: (req) => `app:${(req.body as ChangePasswordDto).appName}`,
  })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this IP or for this app; see Retry-After' })
  @ApiNoContentResponse({ description: 'changed; every token of the app issued before is revoked' })
  @ApiUnauthorizedResponse({ description: 'wrong app name or current password' })
  async changePassword(@Body() body: ChangePasswordDto): Promise<void> {
    await this.apps.changePassword(body.appName, body.currentPassword, body.newPassword);
  }

  @Put('apps/:name/password')
  @HttpCode(204)
  @UseGuards(AuthThrottlerGuard, AdminAuthGuard)
  @Audited({ action: 'app.password-reset', targetType: 'app', appName: (req) => String(req.params.name) })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this IP or for this app; see Retry-After' })
  @ApiBasicAuth()
  @ApiNoContentResponse({ description: "set by the server admin; the app's tokens are revoked" })
  async resetPassword(@Param('name') name: string, @Body() body: ResetPasswordDto): Promise<void> {
    await this.apps.resetPassword(name, body.newPassword);
  }
}

import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccountGuard, type IdentifiedRequest } from '../auth/account.guard';
import { AppDirectoryService } from '../auth/app-directory.service';
import { AuthThrottlerGuard } from '../auth/auth-throttler.guard';
import { Audited, NotAudited } from '../audit/audited.decorator';
import { PublicRoute } from '../http/public-route.decorator';
import { ChangeUserPasswordDto, LoginDto, LoginView, MeView } from './access.dto';
import { GrantsService } from './grants.service';
import { UsersService } from './users.service';

/** A person's session: log in, see what they may do, change their password. */
@ApiTags('users')
@Controller('api/v1')
export class AccountController {
  constructor(
    private readonly users: UsersService,
    private readonly grants: GrantsService,
    private readonly directory: AppDirectoryService,
  ) {}

  @Post('auth/login')
  @HttpCode(200)
  @UseGuards(AuthThrottlerGuard)
  @PublicRoute('the user proves their password in the body')
  @NotAudited('issues a token and changes nothing')
  @ApiOkResponse({ type: LoginView })
  @ApiUnauthorizedResponse({ description: 'wrong username or password' })
  @ApiTooManyRequestsResponse({ description: 'too many attempts from this IP or for this username; see Retry-After' })
  login(@Body() body: LoginDto): Promise<LoginView> {
    return this.users.login(body.username, body.password);
  }

  @Post('auth/user-password')
  @HttpCode(204)
  @UseGuards(AuthThrottlerGuard)
  @PublicRoute('the user proves their current password in the body')
  @Audited({
    action: 'user.password-change',
    targetType: 'user',
    target: (req) => (req.body as ChangeUserPasswordDto).username,
    actor: (req) => `user:${(req.body as ChangeUserPasswordDto).username}`,
  })
  @ApiNoContentResponse({ description: "changed; every token of the user's issued before is revoked" })
  @ApiUnauthorizedResponse({ description: 'wrong username or current password' })
  async changePassword(@Body() body: ChangeUserPasswordDto): Promise<void> {
    await this.users.changePassword(body.username, body.currentPassword, body.newPassword);
  }

  @Get('me')
  @UseGuards(AccountGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeView })
  async me(@Req() request: IdentifiedRequest): Promise<MeView> {
    const identity = request.identity!;
    return {
      username: identity.kind === 'app' ? identity.appName : identity.username,
      kind: identity.kind,
      serverAdmin: identity.kind === 'admin',
      apps: await this.grants.appsOf(identity),
      ...(identity.kind === 'app' ? { streamParts: await this.directory.streamParts(identity.appId) } : {}),
    };
  }
}

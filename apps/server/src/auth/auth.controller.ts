import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AppView, CreateAppDto, TokenRequestDto, TokenView } from './auth.dto';
import { AppsService } from './apps.service';

@ApiTags('apps')
@Controller('api/v1')
export class AuthController {
  constructor(private readonly apps: AppsService) {}

  @Post('apps')
  @ApiCreatedResponse({ type: AppView })
  @ApiConflictResponse({ description: 'the name exists' })
  register(@Body() body: CreateAppDto): Promise<AppView> {
    return this.apps.register(body.name, body.password);
  }

  @Post('auth/token')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenView })
  @ApiUnauthorizedResponse({ description: 'wrong app name or password' })
  token(@Body() body: TokenRequestDto): Promise<TokenView> {
    return this.apps.login(body.appName, body.password);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { Audited, fieldOf } from '../../platform/audit/audited.decorator';
import { AppAuthGuard } from '../../platform/auth/app-auth.guard';
import { CurrentApp } from '../../platform/auth/current-app.decorator';
import { RequiresRole } from '../../platform/auth/required-role.decorator';
import type { AppPrincipal } from '../../platform/auth/token.service';
import { AlarmRuleBook } from '../rules/alarm-rule-book';
import { AlarmChannelInputDto, AlarmChannelView } from './alarm-channel.dto';
import { AlarmChannelsService } from './alarm-channels.service';

/** Where an app's alarms go. Reading them is for every role; changing them for DEVELOPER and up. */
@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/alarm-channels')
export class AlarmChannelsController {
  constructor(
    private readonly channels: AlarmChannelsService,
    private readonly rules: AlarmRuleBook,
  ) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: [AlarmChannelView] })
  list(@CurrentApp() app: AppPrincipal): Promise<AlarmChannelView[]> {
    return this.channels.list(app.appId);
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: AlarmChannelView })
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<AlarmChannelView> {
    return this.channels.get(app.appId, id);
  }

  @Post()
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({
    action: 'alarm-channel.create',
    targetType: 'alarm-channel',
    detail: (req) => `name=${String(fieldOf(req.body, 'name'))} type=${String(fieldOf(req.body, 'type'))}`,
  })
  @ApiCreatedResponse({ type: AlarmChannelView })
  create(@CurrentApp() app: AppPrincipal, @Body() body: AlarmChannelInputDto): Promise<AlarmChannelView> {
    return this.channels.create(app.appId, body);
  }

  @Put(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'alarm-channel.update', targetType: 'alarm-channel' })
  @ApiOkResponse({ type: AlarmChannelView })
  replace(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: AlarmChannelInputDto,
  ): Promise<AlarmChannelView> {
    return this.channels.replace(app.appId, id, body);
  }

  @Post(':id/test')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'alarm-channel.test', targetType: 'alarm-channel' })
  @HttpCode(202)
  @ApiAcceptedResponse({ description: '`{deliveryId}`: its row in GET /alarm-deliveries shows how it went' })
  async test(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<{ deliveryId: number }> {
    return { deliveryId: await this.channels.sendTest(app.appId, id) };
  }

  @Delete(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'alarm-channel.delete', targetType: 'alarm-channel' })
  @HttpCode(204)
  async remove(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.channels.delete(app.appId, id);
    await this.rules.changed(app.appId);
  }
}

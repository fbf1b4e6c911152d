import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppRole } from '@jobnest/persistence';
import { Audited, fieldOf } from '../../platform/audit/audited.decorator';
import { AppAuthGuard } from '../../platform/auth/app-auth.guard';
import { CurrentApp } from '../../platform/auth/current-app.decorator';
import { RequiresRole } from '../../platform/auth/required-role.decorator';
import type { AppPrincipal } from '../../platform/auth/token.service';
import { AlarmRuleInputDto, AlarmRuleSettingsDto, AlarmRuleView } from './alarm-rule.dto';
import { AlarmRulesService } from './alarm-rules.service';

/** When an app's jobs and workflows alarm. Reading rules is for every role; changing them for DEVELOPER and up. */
@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/alarm-rules')
export class AlarmRulesController {
  constructor(private readonly rules: AlarmRulesService) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: [AlarmRuleView] })
  list(@CurrentApp() app: AppPrincipal): Promise<AlarmRuleView[]> {
    return this.rules.list(app.appId);
  }

  @Get(':id')
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ type: AlarmRuleView })
  get(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<AlarmRuleView> {
    return this.rules.get(app.appId, id);
  }

  @Post()
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({
    action: 'alarm-rule.create',
    targetType: 'alarm-rule',
    detail: (req) =>
      `scope=${String(fieldOf(req.body, 'scope'))} target=${String(fieldOf(req.body, 'targetId') ?? '-')}`,
  })
  @ApiCreatedResponse({ type: AlarmRuleView })
  create(@CurrentApp() app: AppPrincipal, @Body() body: AlarmRuleInputDto): Promise<AlarmRuleView> {
    return this.rules.create(app.appId, body);
  }

  @Put(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'alarm-rule.update', targetType: 'alarm-rule' })
  @ApiOkResponse({ type: AlarmRuleView })
  replace(
    @CurrentApp() app: AppPrincipal,
    @Param('id', ParseIntPipe) id: number,
    @Body() body: AlarmRuleSettingsDto,
  ): Promise<AlarmRuleView> {
    return this.rules.replace(app.appId, id, body);
  }

  @Delete(':id')
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'alarm-rule.delete', targetType: 'alarm-rule' })
  @HttpCode(204)
  async remove(@CurrentApp() app: AppPrincipal, @Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.rules.delete(app.appId, id);
  }
}

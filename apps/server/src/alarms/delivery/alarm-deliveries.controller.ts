import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FindOptionsWhere, Repository } from 'typeorm';
import { AlarmDeliveryEntity, AppRole } from '@jobnest/persistence';
import { AppAuthGuard } from '../../platform/auth/app-auth.guard';
import { CurrentApp } from '../../platform/auth/current-app.decorator';
import { RequiresRole } from '../../platform/auth/required-role.decorator';
import type { AppPrincipal } from '../../platform/auth/token.service';
import type { Page } from '../../platform/http/page-query.dto';
import { parseEvent, type AlarmEvent } from '../alarm-event';
import { AlarmDeliveryQueryDto, type AlarmDeliveryView } from './alarm-delivery.dto';

/** The delivery history of an app's alarms, newest first: sent, retrying, failed and suppressed. */
@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(AppAuthGuard)
@Controller('api/v1/alarm-deliveries')
export class AlarmDeliveriesController {
  constructor(@InjectRepository(AlarmDeliveryEntity) private readonly deliveries: Repository<AlarmDeliveryEntity>) {}

  @Get()
  @RequiresRole(AppRole.OBSERVER)
  @ApiOkResponse({ description: 'A page `{items: AlarmDeliveryView[], total, page, size}`' })
  async list(@CurrentApp() app: AppPrincipal, @Query() query: AlarmDeliveryQueryDto): Promise<Page<AlarmDeliveryView>> {
    const page = query.page ?? 1;
    const size = query.size ?? 20;
    const where: FindOptionsWhere<AlarmDeliveryEntity> = { appId: app.appId };
    if (query.status) where.status = query.status;
    if (query.eventType) where.eventType = query.eventType;
    if (query.ruleId) where.ruleId = query.ruleId;
    const [rows, total] = await this.deliveries.findAndCount({
      where,
      order: { id: 'DESC' },
      skip: (page - 1) * size,
      take: size,
    });
    return { items: rows.map(deliveryView), total, page, size };
  }
}

function deliveryView(d: AlarmDeliveryEntity): AlarmDeliveryView {
  return {
    id: d.id,
    ruleId: d.ruleId,
    channelId: d.channelId,
    eventType: d.eventType,
    eventKey: d.eventKey,
    status: d.status,
    attempts: d.attempts,
    suppressedCount: d.suppressedCount,
    title: d.title,
    answer: d.answer,
    event: parseEvent(d.payload) ?? ({} as AlarmEvent),
    createdTime: d.createdTime,
    updatedTime: d.updatedTime,
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, Min } from 'class-validator';
import { AlarmDeliveryStatus, AlarmEventType } from '@jobnest/common';
import { PageQueryDto } from '../../platform/http/page-query.dto';
import type { AlarmEvent } from '../alarm-event';

/** `GET /alarm-deliveries` filters. */
export class AlarmDeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AlarmDeliveryStatus })
  @IsOptional()
  @IsEnum(AlarmDeliveryStatus, { message: `status must be one of ${Object.values(AlarmDeliveryStatus).join(', ')}` })
  status?: AlarmDeliveryStatus;

  @ApiPropertyOptional({ enum: AlarmEventType })
  @IsOptional()
  @IsEnum(AlarmEventType, { message: `eventType must be one of ${Object.values(AlarmEventType).join(', ')}` })
  eventType?: AlarmEventType;

  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  ruleId?: number;
}

/** One row of the delivery history. */
export class AlarmDeliveryView {
  @ApiProperty() id!: number;
  @ApiProperty() ruleId!: number;
  @ApiProperty({ nullable: true, description: 'null for SUPPRESSED, or FAILED for want of a channel' })
  channelId!: number | null;
  @ApiProperty({ enum: AlarmEventType }) eventType!: AlarmEventType;
  @ApiProperty({ description: 'Names the occurrence: one alarm per rule, channel and key' }) eventKey!: string;
  @ApiProperty({ enum: AlarmDeliveryStatus }) status!: AlarmDeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ description: 'Events the silence period held back before this alarm' }) suppressedCount!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ nullable: true, description: "The receiver's last answer, or why it could not be reached" })
  answer!: string | null;
  @ApiProperty({ description: 'What the alarm is about' }) event!: AlarmEvent;
  @ApiProperty() createdTime!: number;
  @ApiProperty() updatedTime!: number;
}

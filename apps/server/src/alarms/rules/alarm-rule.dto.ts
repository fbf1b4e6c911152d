import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { AlarmEventType, AlarmRuleScope, DEFAULT_ALARM_EVENTS } from '@jobnest/common';

/** A rule's defaults: every event, every one alarms, then 5 minutes of silence per subject. */
export const ALARM_RULE_DEFAULTS = {
  thresholdCount: 1,
  thresholdWindowMs: 60_000,
  silenceMs: 300_000,
  notifyRecovery: false,
  includeWorkflowNodes: false,
  enabled: true,
} as const;
export const MAX_SILENCE_MS = 7 * 86_400_000;
export const MAX_THRESHOLD_WINDOW_MS = 86_400_000;
const RULE_EVENTS = DEFAULT_ALARM_EVENTS as AlarmEventType[];

/** The settings of a rule (PUT /alarm-rules/:id replaces them all; omitted fields take their defaults). */
export class AlarmRuleSettingsDto {
  @ApiPropertyOptional({
    enum: RULE_EVENTS,
    isArray: true,
    description: `Events that alarm (Default: all of ${RULE_EVENTS.join(', ')}); RECOVERED is asked for with notifyRecovery`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(RULE_EVENTS, { each: true, message: `events must each be one of ${RULE_EVENTS.join(', ')}` })
  events?: AlarmEventType[];

  @ApiProperty({ type: [Number], description: 'Channels of the app the alarms go to' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Type(() => Number)
  @IsInt({ each: true })
  channelIds!: number[];

  @ApiPropertyOptional({ type: [String], description: "Email addresses or robot mentions added to the channels' own" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  recipients?: string[];

  @ApiPropertyOptional({
    default: ALARM_RULE_DEFAULTS.thresholdCount,
    description: 'Events within the window that raise an alarm',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  thresholdCount?: number;

  @ApiPropertyOptional({ default: ALARM_RULE_DEFAULTS.thresholdWindowMs, maximum: MAX_THRESHOLD_WINDOW_MS })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(MAX_THRESHOLD_WINDOW_MS)
  thresholdWindowMs?: number;

  @ApiPropertyOptional({
    default: ALARM_RULE_DEFAULTS.silenceMs,
    maximum: MAX_SILENCE_MS,
    description: 'After an alarm, events of the same job, workflow or app are counted, not sent, this long (0: none)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SILENCE_MS)
  silenceMs?: number;

  @ApiPropertyOptional({ default: false, description: 'Also alarm on the first success after failures that alarmed' })
  @IsOptional()
  @IsBoolean()
  notifyRecovery?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: "JOB rules: also alarm when the job fails as a workflow node (else the workflow's alarm covers it)",
  })
  @IsOptional()
  @IsBoolean()
  includeWorkflowNodes?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** Body of POST /alarm-rules: what the rule is set on, and its settings. */
export class AlarmRuleInputDto extends AlarmRuleSettingsDto {
  @ApiProperty({ enum: AlarmRuleScope, description: 'APP: the default of the app; JOB or WORKFLOW: that one' })
  @IsEnum(AlarmRuleScope, { message: `scope must be one of ${Object.values(AlarmRuleScope).join(', ')}` })
  scope!: AlarmRuleScope;

  @ApiPropertyOptional({ description: 'The job or workflow id (JOB and WORKFLOW scopes only)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  targetId?: number;
}

export class AlarmRuleView {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: AlarmRuleScope }) scope!: AlarmRuleScope;
  @ApiProperty({ nullable: true }) targetId!: number | null;
  @ApiProperty({ enum: AlarmEventType, isArray: true }) events!: AlarmEventType[];
  @ApiProperty({ type: [Number] }) channelIds!: number[];
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty() thresholdCount!: number;
  @ApiProperty() thresholdWindowMs!: number;
  @ApiProperty() silenceMs!: number;
  @ApiProperty() notifyRecovery!: boolean;
  @ApiProperty() includeWorkflowNodes!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdTime!: number;
  @ApiProperty() updatedTime!: number;
}

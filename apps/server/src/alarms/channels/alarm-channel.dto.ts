import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEnum, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { AlarmChannelType } from '@jobnest/common';

/** Most recipients of a channel (email addresses or robot mentions). */
export const MAX_CHANNEL_RECIPIENTS = 50;

/**
 * Body of POST /alarm-channels and PUT /alarm-channels/:id. `url` and `secret` are write-only: no answer shows
 * them, and a PUT that leaves them out keeps the stored ones.
 */
export class AlarmChannelInputDto {
  @ApiProperty({ example: 'ops-slack' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: AlarmChannelType })
  @IsEnum(AlarmChannelType, { message: `type must be one of ${Object.values(AlarmChannelType).join(', ')}` })
  type!: AlarmChannelType;

  @ApiPropertyOptional({
    description: 'The webhook or robot URL (write-only; not for EMAIL)',
    example: 'https://hooks.slack.com/services/T000/B000/XXXX',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({
    description:
      'Signing secret (write-only): required for WEBHOOK (at least 16 characters, HMAC-SHA256 of the body), optional for DINGTALK and FEISHU (their signature check), not for the others. An empty string removes it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  secret?: string;

  @ApiPropertyOptional({
    description: 'EMAIL: the addresses (at least one). Robots: user ids or phone numbers to @mention.',
    type: [String],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CHANNEL_RECIPIENTS)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  recipients?: string[];
}

/** A channel as the API shows it: never its URL's path or query, nor its secret. */
export class AlarmChannelView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AlarmChannelType }) type!: AlarmChannelType;
  @ApiProperty({ nullable: true, description: "The URL's scheme and host only (the rest may carry a token)" })
  urlOrigin!: string | null;
  @ApiProperty() secretSet!: boolean;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty() createdTime!: number;
  @ApiProperty() updatedTime!: number;
}

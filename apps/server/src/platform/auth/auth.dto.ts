import { ApiProperty, IntersectionType, PickType } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { MAX_STREAM_PARTS } from '@jobnest/transport';

/** Rules of an app password, said once for every route that takes a new one. */
export const APP_PASSWORD_RULE = 'must be 8-200 characters';
const PASSWORD_DOC = {
  example: 's3cret-pass',
  minLength: 8,
  maxLength: 200,
  description: 'App password: 8 to 200 characters (any)',
};

export class CreateAppDto {
  @ApiProperty({ example: 'billing', description: 'Unique app name: 1-100 letters, digits, - _ .' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'name must be 1-100 letters, digits, -, _ or .' })
  name!: string;

  @ApiProperty(PASSWORD_DOC)
  @IsString()
  @Length(8, 200, { message: `password ${APP_PASSWORD_RULE}` })
  password!: string;
}

export class TokenRequestDto {
  @ApiProperty({ example: 'billing' })
  @IsString()
  @Length(1, 100)
  appName!: string;

  @ApiProperty({ example: 's3cret-pass' })
  @IsString()
  @Length(1, 200)
  password!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ ...PASSWORD_DOC, example: 'n3w-s3cret-pass' })
  @IsString()
  @Length(8, 200, { message: `newPassword ${APP_PASSWORD_RULE}` })
  newPassword!: string;
}

/** The app's own change: its name and current password (as for a token), and the new password (as for a reset). */
export class ChangePasswordDto extends IntersectionType(
  PickType(TokenRequestDto, ['appName'] as const),
  ResetPasswordDto,
) {
  @ApiProperty({ example: 's3cret-pass' })
  @IsString()
  @Length(1, 200)
  currentPassword!: string;
}

export class AppView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
}

export class StreamPartsDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_STREAM_PARTS,
    example: 4,
    description: "Parts of the app's status and log streams; only grows (workers pick theirs up at their next start)",
  })
  @IsInt({ message: 'parts must be a whole number' })
  @Min(1, { message: `parts must be between 1 and ${MAX_STREAM_PARTS}` })
  @Max(MAX_STREAM_PARTS, { message: `parts must be between 1 and ${MAX_STREAM_PARTS}` })
  parts!: number;
}

export class RedisAclPermissionView {
  @ApiProperty({ type: [String], description: 'ACL key patterns, without their ~', example: ['jobnest:{w:3:*'] })
  keyPatterns!: string[];
  @ApiProperty({ example: '+@all -@admin -@dangerous +info -scan -randomkey' }) commands!: string;
}

export class RedisAclRulesView extends RedisAclPermissionView {
  @ApiProperty({ example: 'jobnest-app-3' }) username!: string;
  @ApiProperty({
    type: [RedisAclPermissionView],
    description: 'Redis 7 selectors: a command is allowed when the root rules or one selector allow it',
  })
  selectors!: RedisAclPermissionView[];
}

export class RedisAclView {
  @ApiProperty() appId!: number;
  @ApiProperty() appName!: string;
  @ApiProperty({ type: RedisAclRulesView, description: "The ACL user of the app's workers: its keys only" })
  app!: RedisAclRulesView;
  @ApiProperty({ type: RedisAclRulesView, description: "The servers' ACL user: every key of the deployment" })
  server!: RedisAclRulesView;
}

export class TokenView {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
}

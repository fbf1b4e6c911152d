import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsString, Length, Matches } from 'class-validator';
import { AppRole } from '@jobnest/persistence';

/** Rules of a console user's password, said once for every route that takes a new one. */
export const USER_PASSWORD_RULE = 'must be 12-200 characters';
const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,100}$/;
const ROLE_LIST = Object.values(AppRole).join(', ');

/**
 * Usernames are checked by the same pattern wherever they are typed, so a login cannot reach an account through
 * another spelling that the column's collation would match (accents, full-width letters, trailing spaces) and get a
 * rate-limit budget of its own.
 */
const USERNAME_MESSAGE = 'username must be 1-100 letters, digits, -, _, . or @';

export class LoginDto {
  @ApiProperty({ example: 'alice', description: 'A console user, or the server admin (JOBNEST_ADMIN_USER)' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @Length(1, 200)
  password!: string;
}

export class LoginView {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
  @ApiProperty() username!: string;
  @ApiProperty({ description: 'True for the server admin: every app, users and apps' }) serverAdmin!: boolean;
}

export class CreateUserDto {
  @ApiProperty({ example: 'alice', description: 'Unique: 1-100 letters, digits, - _ . @' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 12, maxLength: 200 })
  @IsString()
  @Length(12, 200, { message: `password ${USER_PASSWORD_RULE}` })
  password!: string;
}

export class NewUserPasswordDto {
  @ApiProperty({ example: 'another long passphrase', minLength: 12, maxLength: 200 })
  @IsString()
  @Length(12, 200, { message: `newPassword ${USER_PASSWORD_RULE}` })
  newPassword!: string;
}

/** A user changes their own password: they prove the current one (as for a login). */
export class ChangeUserPasswordDto extends NewUserPasswordDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 200)
  currentPassword!: string;
}

export class SetGrantDto {
  @ApiProperty({ enum: AppRole, description: `One of ${ROLE_LIST}; each includes the ones before it` })
  @IsEnum(AppRole, { message: `role must be one of ${ROLE_LIST}` })
  role!: AppRole;
}

export class GrantView {
  @ApiProperty() username!: string;
  @ApiProperty({ enum: AppRole }) role!: AppRole;
  @ApiProperty({ description: 'ISO time' }) grantedAt!: string;
}

export class UserGrantView {
  @ApiProperty() appName!: string;
  @ApiProperty({ enum: AppRole }) role!: AppRole;
}

export class UserView {
  @ApiProperty() id!: number;
  @ApiProperty() username!: string;
  @ApiProperty({ description: 'ISO time' }) createdAt!: string;
  @ApiProperty({ type: [UserGrantView] }) grants!: UserGrantView[];
}

export class AppRoleView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AppRole }) role!: AppRole;
}

export class MeView {
  @ApiProperty({ description: 'The username, or the app name for an app token' }) username!: string;
  @ApiProperty({ enum: ['user', 'admin', 'app'] }) kind!: 'user' | 'admin' | 'app';
  @ApiProperty() serverAdmin!: boolean;
  @ApiProperty({ type: [AppRoleView], description: 'The apps this caller may act in, with its role in each' })
  apps!: AppRoleView[];
  @ApiPropertyOptional({
    description: "An app token only: the parts of the app's status and log streams (a worker writes to one of them)",
  })
  streamParts?: number;
}

export class AppListItemView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ description: "Parts of the app's status and log streams (1-16)" }) streamParts!: number;
  @ApiProperty({ description: 'ISO time' }) createdAt!: string;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export class CreateAppDto {
  @ApiProperty({ example: 'billing', description: 'Unique app name: letters, digits, - _ .' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'name must be 1-100 letters, digits, -, _ or .' })
  name!: string;

  @ApiProperty({ example: 's3cret-pass', minLength: 6 })
  @IsString()
  @Length(6, 200)
  password!: string;
}

export class TokenRequestDto {
  @ApiProperty({ example: 'billing' })
  @IsString()
  appName!: string;

  @ApiProperty({ example: 's3cret-pass' })
  @IsString()
  password!: string;
}

export class AppView {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
}

export class TokenView {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
}

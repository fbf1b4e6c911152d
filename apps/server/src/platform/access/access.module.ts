import { Module } from '@nestjs/common';
import { AccountController } from './account.controller';
import { GrantsController } from './grants.controller';
import { GrantsService } from './grants.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Console users, their roles per app, and their sessions. */
@Module({
  controllers: [AccountController, UsersController, GrantsController],
  providers: [UsersService, GrantsService],
})
export class AccessModule {}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { Audited } from '../audit/audited.decorator';
import { CreateUserDto, NewUserPasswordDto, UserView } from './access.dto';
import { UsersService } from './users.service';

/** Console users, managed by the server admin; their rights are grants per app (GrantsController). */
@ApiTags('users')
@ApiBasicAuth()
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: [UserView] })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post()
  @Audited({ action: 'user.create', targetType: 'user', target: (_req, answer) => (answer as UserView).username })
  @ApiCreatedResponse({ type: UserView })
  @ApiConflictResponse({ description: "the name exists, or is the server admin's" })
  create(@Body() body: CreateUserDto): Promise<UserView> {
    return this.users.create(body.username, body.password);
  }

  @Delete(':username')
  @HttpCode(204)
  @Audited({ action: 'user.delete', targetType: 'user' })
  @ApiNoContentResponse({ description: 'deleted with their grants; their tokens stop working' })
  @ApiNotFoundResponse()
  async remove(@Param('username') username: string): Promise<void> {
    await this.users.delete(username);
  }

  @Put(':username/password')
  @HttpCode(204)
  @Audited({ action: 'user.password-reset', targetType: 'user' })
  @ApiNoContentResponse({ description: "set by the server admin; the user's tokens are revoked" })
  @ApiNotFoundResponse()
  async resetPassword(@Param('username') username: string, @Body() body: NewUserPasswordDto): Promise<void> {
    await this.users.resetPassword(username, body.newPassword);
  }
}

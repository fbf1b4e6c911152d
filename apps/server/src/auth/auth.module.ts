import { Global, Module } from '@nestjs/common';
import { AppAuthGuard } from './app-auth.guard';
import { AppsService } from './apps.service';
import { AuthController } from './auth.controller';
import { TokenService } from './token.service';

@Global()
@Module({
  controllers: [AuthController],
  providers: [AppsService, TokenService, AppAuthGuard],
  exports: [TokenService, AppAuthGuard],
})
export class AuthModule {}

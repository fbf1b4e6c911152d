import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';
import { AdminAuthGuard, RegistrationGuard } from './admin-auth.guard';
import { AppAuthGuard } from './app-auth.guard';
import { AppsService } from './apps.service';
import { AuthController } from './auth.controller';
import { AuthThrottlerGuard, authThrottlerOptions } from './auth-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';
import { TokenService } from './token.service';
import { TokenVersionsService } from './token-versions.service';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ServerConfig, RedisConnections],
      useFactory: (config: ServerConfig, redis: RedisConnections) =>
        authThrottlerOptions(config, new RedisThrottlerStorage(redis.commands, config.prefix)),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AppsService,
    TokenService,
    TokenVersionsService,
    AppAuthGuard,
    AdminAuthGuard,
    RegistrationGuard,
    AuthThrottlerGuard,
  ],
  exports: [TokenService, TokenVersionsService, AppAuthGuard, AdminAuthGuard],
})
export class AuthModule {}

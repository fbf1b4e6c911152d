import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ServerConfig } from '../config/server-config';
import { RedisConnections } from '../redis/redis-connections.service';
import { AccountGuard } from './account.guard';
import { AdminAuthGuard, RegistrationGuard } from './admin-auth.guard';
import { AppDirectoryService } from './app-directory.service';
import { AppAuthGuard } from './app-auth.guard';
import { AppsService } from './apps.service';
import { AuthController } from './auth.controller';
import { AuthThrottlerGuard, authThrottlerOptions } from './auth-throttler.guard';
import { BasicAuthLockout } from './basic-auth-lockout';
import { IdentityService } from './identity.service';
import { RedisThrottlerStorage } from './redis-throttler-storage';
import { TokenService } from './token.service';
import { TokenVersionsService } from './token-versions.service';
import { UserAccessService } from './user-access.service';

/** What the other modules use: tokens, the credential caches, who is calling, and the guards. */
const SHARED_PROVIDERS = [
  TokenService,
  TokenVersionsService,
  UserAccessService,
  AppDirectoryService,
  IdentityService,
  BasicAuthLockout,
  AppAuthGuard,
  AccountGuard,
  AdminAuthGuard,
  AuthThrottlerGuard,
];

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
  providers: [AppsService, RegistrationGuard, ...SHARED_PROVIDERS],
  exports: SHARED_PROVIDERS,
})
export class AuthModule {}

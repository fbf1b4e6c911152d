import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { RoutePolicyCheck } from '../http/route-policy-check';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditLogService } from './audit-log.service';
import { AuditRecorder } from './audit-recorder.service';

/**
 * The audit log: written by AuditInterceptor on every @Audited route, read through AuditController; RoutePolicyCheck
 * makes sure at boot that no route lacks its role or audit declaration.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [AuditController],
  providers: [
    AuditRecorder,
    AuditLogService,
    RoutePolicyCheck,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
})
export class AuditModule {}

import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { concatMap, type Observable } from 'rxjs';
import { errorMessage } from '@jobnest/common';
import type { AuthenticatedRequest } from '../auth/app-auth.guard';
import { AppDirectoryService } from '../auth/app-directory.service';
import { AuditRecorder } from './audit-recorder.service';
import { AUDIT_SPEC, fieldOf, type AuditSpec } from './audited.decorator';

/**
 * Writes an audit row for each successful call of an @Audited route, before the answer leaves (except on routes
 * marked `waitForWrite: false`, the run routes). A failed call is not written (it changed nothing). Should the write
 * itself fail, the call's answer still goes out (what it did is committed) and the failure is logged.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly recorder: AuditRecorder,
    private readonly apps: AppDirectoryService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | { notAudited: string } | undefined>(AUDIT_SPEC, context.getHandler());
    if (spec === undefined || 'notAudited' in spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return next.handle().pipe(
      concatMap(async (answer: unknown) => {
        const written = this.write(spec, request, answer);
        if (spec.waitForWrite !== false) await written;
        return answer;
      }),
    );
  }

  /** Writes the call's row; a failure is logged, never thrown (the call itself succeeded). */
  private async write(spec: AuditSpec, request: AuthenticatedRequest, answer: unknown): Promise<void> {
    try {
      const appName = spec.appName?.(request, answer);
      const appId =
        request.principal?.appId ?? (appName !== undefined ? (await this.apps.byName(appName))?.appId : undefined);
      await this.recorder.record({
        appId: appId ?? null,
        actor: spec.actor?.(request) ?? request.actor?.name ?? 'anonymous',
        action: spec.action,
        targetType: spec.targetType,
        targetId: stringOrNull(spec.target ? spec.target(request, answer) : defaultTarget(request, answer)),
        detail: spec.detail?.(request, answer) ?? null,
        at: Date.now(),
      });
    } catch (err) {
      this.logger.error(
        `audit row of ${spec.action} by ${request.actor?.name ?? '?'} not written: ${errorMessage(err)}`,
      );
    }
  }
}

function defaultTarget(request: AuthenticatedRequest, answer: unknown): unknown {
  const params = request.params as Record<string, string | undefined>;
  return params.id ?? params.name ?? params.username ?? fieldOf(answer, 'id');
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

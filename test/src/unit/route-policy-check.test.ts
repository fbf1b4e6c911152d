import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Delete, Get, Module, Post, UseGuards, type Type } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { AppRole } from '@jobnest/persistence';
import {
  AppAuthGuard,
  AppDirectoryService,
  IdentityService,
  Audited,
  NotAudited,
  PublicRoute,
  RequiresRole,
  RoutePolicyCheck,
  RoutePolicyError,
} from '@jobnest/server/internal';

@UseGuards(AppAuthGuard)
@Controller('declared')
class DeclaredController {
  @Get()
  @RequiresRole(AppRole.OBSERVER)
  list(): string[] {
    return [];
  }

  @Post()
  @RequiresRole(AppRole.DEVELOPER)
  @Audited({ action: 'thing.create', targetType: 'job' })
  create(): void {}

  @Post('login')
  @RequiresRole(AppRole.OBSERVER)
  @NotAudited('changes nothing')
  login(): void {}
}

@UseGuards(AppAuthGuard)
@RequiresRole(AppRole.ADMIN)
@Controller('class-role')
class ClassRoleController {
  @Get()
  list(): string[] {
    return [];
  }
}

@UseGuards(AppAuthGuard)
@Controller('forgetful')
class ForgetfulController {
  @Get()
  list(): string[] {
    return [];
  }

  @Delete(':id')
  @RequiresRole(AppRole.DEVELOPER)
  remove(): void {}
}

@PublicRoute('a probe')
@Controller('public')
class PublicController {
  @Get()
  health(): string {
    return 'ok';
  }
}

@Controller('unguarded')
class UnguardedController {
  @Get()
  secrets(): string[] {
    return [];
  }
}

/**
 * A Nest context with the check and these controllers; resolves when it boots, rejects with what init threw. The
 * guard's own dependencies are empty: no request reaches it here, only its metadata is read.
 */
async function boot(...controllers: Type[]): Promise<void> {
  @Module({
    imports: [DiscoveryModule],
    controllers,
    providers: [
      RoutePolicyCheck,
      { provide: IdentityService, useValue: {} },
      { provide: AppDirectoryService, useValue: {} },
    ],
  })
  class ProbeModule {}
  const app = await NestFactory.createApplicationContext(ProbeModule, { logger: false, abortOnError: false });
  await app.close();
}

describe('RoutePolicyCheck', () => {
  it('boots when every route is guarded or public, every guarded one has a role (method or class) and every mutation an audit policy', async () => {
    await boot(DeclaredController, ClassRoleController, PublicController);
  });

  it('refuses to boot naming each route without a guard, a role or an audit policy', async () => {
    await assert.rejects(boot(DeclaredController, ForgetfulController, UnguardedController), (err: unknown) => {
      assert.ok(err instanceof RoutePolicyError);
      assert.deepEqual(err.problems, [
        'ForgetfulController.list: no @RequiresRole',
        'ForgetfulController.remove: mutating route without @Audited or @NotAudited',
        'UnguardedController.secrets: no auth guard and not @PublicRoute',
      ]);
      return true;
    });
  });
});

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppInfoEntity } from '@jobnest/persistence';
import type { AppPrincipal } from './token.service';
import { CREDENTIAL_CACHE_MS } from './token-versions.service';
import { TtlCache } from './ttl-cache';

/** Apps by name, for the X-Jobnest-App header of user and admin requests; kept for CREDENTIAL_CACHE_MS. */
@Injectable()
export class AppDirectoryService {
  private readonly byNameCache = new TtlCache<string, AppPrincipal | undefined>(CREDENTIAL_CACHE_MS);

  constructor(@InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>) {}

  /** The app of that name, or undefined when there is none. */
  byName(name: string): Promise<AppPrincipal | undefined> {
    return this.byNameCache.get(name, async (appName) => {
      const row = await this.apps.findOne({ where: { name: appName }, select: { id: true, name: true } });
      return row ? { appId: row.id, appName: row.name } : undefined;
    });
  }

  /** Every app, by name (the server admin's view). */
  async list(): Promise<AppInfoEntity[]> {
    return this.apps.find({
      select: { id: true, name: true, createdAt: true, streamParts: true },
      order: { name: 'ASC' },
    });
  }

  /** The parts of an app's status and log streams (1 for an unknown app). */
  async streamParts(appId: number): Promise<number> {
    const row = await this.apps.findOne({ where: { id: appId }, select: { id: true, streamParts: true } });
    return row?.streamParts ?? 1;
  }

  /** The apps of these ids, by name. */
  async byIds(ids: readonly number[]): Promise<AppPrincipal[]> {
    if (ids.length === 0) return [];
    const rows = await this.apps
      .createQueryBuilder('a')
      .select(['a.id', 'a.name'])
      .where('a.id IN (:...ids)', { ids })
      .orderBy('a.name')
      .getMany();
    return rows.map((row) => ({ appId: row.id, appName: row.name }));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppInfoEntity } from '@jobnest/persistence';

/**
 * How long a server trusts the token version it read for an app. A password change on one server revokes the
 * app's tokens there at once and on the other servers within this long.
 */
export const TOKEN_VERSION_CACHE_MS = 1000;
/** Apps whose versions are remembered at once; beyond it the oldest entry goes. */
const MAX_CACHED_APPS = 10_000;

interface CachedVersion {
  version: number | undefined;
  readAt: number;
}

/** The current token version of each app, read from MySQL and kept for a second so a request costs no query. */
@Injectable()
export class TokenVersionsService {
  private readonly cache = new Map<number, CachedVersion>();

  constructor(@InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>) {}

  /** The app's token version, or undefined when the app no longer exists. */
  async current(appId: number): Promise<number | undefined> {
    const cached = this.cache.get(appId);
    if (cached && Date.now() - cached.readAt < TOKEN_VERSION_CACHE_MS) return cached.version;
    const row = await this.apps.findOne({ where: { id: appId }, select: { id: true, tokenVersion: true } });
    this.remember(appId, row?.tokenVersion);
    return row?.tokenVersion;
  }

  /** Called by this server after it changed the version, so its own cache never serves the old one. */
  remember(appId: number, version: number | undefined): void {
    this.cache.delete(appId);
    if (this.cache.size >= MAX_CACHED_APPS) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(appId, { version, readAt: Date.now() });
  }
}

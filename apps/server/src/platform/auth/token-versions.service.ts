import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppInfoEntity } from '@jobnest/persistence';
import { TtlCache } from './ttl-cache';

/**
 * How long a server trusts the credentials it read (an app's token version, a user's version and grants, an app
 * name). A change on one server applies there at once and on the other servers within this long.
 */
export const CREDENTIAL_CACHE_MS = 1000;

/** The current token version of each app, read from MySQL and kept for a second so a request costs no query. */
@Injectable()
export class TokenVersionsService {
  private readonly cache = new TtlCache<number, number | undefined>(CREDENTIAL_CACHE_MS);

  constructor(@InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>) {}

  /** The app's token version, or undefined when the app no longer exists. */
  current(appId: number): Promise<number | undefined> {
    return this.cache.get(appId, async (id) => {
      const row = await this.apps.findOne({ where: { id }, select: { id: true, tokenVersion: true } });
      return row?.tokenVersion;
    });
  }

  /** Called by this server after it changed the version, so its own cache never serves the old one. */
  remember(appId: number, version: number | undefined): void {
    this.cache.set(appId, version);
  }
}

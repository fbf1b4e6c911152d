import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppRole } from '@jobnest/persistence';
import { CREDENTIAL_CACHE_MS } from './token-versions.service';
import { TtlCache } from './ttl-cache';

/** What a user's token is checked against: the user's current token version and role per app id. */
export interface UserAccess {
  tokenVersion: number;
  roles: ReadonlyMap<number, AppRole>;
}

interface AccessRow {
  token_version: number;
  app_id: number | null;
  role: AppRole | null;
}

/**
 * Each user's token version and grants, read in one query and kept for CREDENTIAL_CACHE_MS: a revoked grant, a
 * deleted user or a password reset takes effect on every server within that time, at once on the server that made it.
 */
@Injectable()
export class UserAccessService {
  private readonly cache = new TtlCache<number, UserAccess | undefined>(CREDENTIAL_CACHE_MS);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The user's access, or undefined when the user no longer exists. */
  current(userId: number): Promise<UserAccess | undefined> {
    return this.cache.get(userId, (id) => this.read(id));
  }

  /** Drops what this server remembers of the user, after it changed the user's grants or password. */
  forget(userId: number): void {
    this.cache.delete(userId);
  }

  private async read(userId: number): Promise<UserAccess | undefined> {
    const rows = (await this.db.query(
      'SELECT u.token_version, g.app_id, g.role FROM console_user u LEFT JOIN app_grant g ON g.user_id = u.id WHERE u.id = ?',
      [userId],
    )) as AccessRow[];
    if (rows.length === 0) return undefined;
    const roles = new Map<number, AppRole>();
    for (const row of rows) if (row.app_id !== null && row.role !== null) roles.set(row.app_id, row.role);
    return { tokenVersion: Number(rows[0]!.token_version), roles };
  }
}

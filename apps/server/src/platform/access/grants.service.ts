import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppRole, isMissingParentRow } from '@jobnest/persistence';
import { AppDirectoryService } from '../auth/app-directory.service';
import type { Identity } from '../auth/identity.service';
import { UserAccessService } from '../auth/user-access.service';
import type { AppRoleView, GrantView } from './access.dto';
import { UsersService } from './users.service';

interface GrantRow {
  username: string;
  role: AppRole;
  granted_at: Date;
}

/** The roles of users in one app, managed by the app's ADMINs (and the server admin). */
@Injectable()
export class GrantsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly access: UserAccessService,
    private readonly apps: AppDirectoryService,
  ) {}

  async list(appId: number): Promise<GrantView[]> {
    const rows = (await this.db.query(
      `SELECT u.username, g.role, g.granted_at FROM app_grant g JOIN console_user u ON u.id = g.user_id
       WHERE g.app_id = ? ORDER BY u.username`,
      [appId],
    )) as GrantRow[];
    return rows.map(toView);
  }

  /** Gives the user this role in the app, replacing the one they had. */
  async set(appId: number, username: string, role: AppRole): Promise<GrantView> {
    const user = await this.users.require(username);
    const gone = new NotFoundException(`user '${username}' does not exist`);
    try {
      await this.db.query(
        'INSERT INTO app_grant (user_id, app_id, role) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE role = VALUES(role)',
        [user.id, appId, role],
      );
    } catch (err) {
      // The user was deleted since the lookup: the foreign key refuses a grant that would outlive them.
      if (isMissingParentRow(err)) throw gone;
      throw err;
    } finally {
      this.access.forget(user.id);
    }
    const [row] = (await this.db.query(
      'SELECT ? AS username, role, granted_at FROM app_grant WHERE user_id = ? AND app_id = ?',
      [user.username, user.id, appId],
    )) as GrantRow[];
    if (!row) throw gone;
    return toView(row);
  }

  async remove(appId: number, username: string): Promise<void> {
    const user = await this.users.require(username);
    const result = (await this.db.query('DELETE FROM app_grant WHERE user_id = ? AND app_id = ?', [
      user.id,
      appId,
    ])) as {
      affectedRows: number;
    };
    this.access.forget(user.id);
    if (result.affectedRows === 0) throw new NotFoundException(`user '${username}' has no role in this app`);
  }

  /** The apps a caller may act in and its role in each (GET /me). */
  async appsOf(identity: Identity): Promise<AppRoleView[]> {
    switch (identity.kind) {
      case 'app':
        return [{ id: identity.appId, name: identity.appName, role: AppRole.DEVELOPER }];
      case 'admin':
        return (await this.apps.list()).map((app) => ({ id: app.id, name: app.name, role: AppRole.ADMIN }));
      case 'user': {
        const apps = await this.apps.byIds([...identity.access.roles.keys()]);
        return apps.map((app) => ({ id: app.appId, name: app.appName, role: identity.access.roles.get(app.appId)! }));
      }
    }
  }
}

function toView(row: GrantRow): GrantView {
  return { username: row.username, role: row.role, grantedAt: new Date(row.granted_at).toISOString() };
}

import { ConflictException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { hashPassword, verifyPassword } from '@jobnest/common';
import { AppGrantEntity, ConsoleUserEntity, isDuplicateEntry, type AppRole } from '@jobnest/persistence';
import { ServerConfig } from '../config/server-config';
import { constantTimeEquals } from '../auth/admin-credentials';
import { checkPasswordPair, makeDecoyHash, storeNewPassword } from '../auth/password-credentials';
import { TokenService } from '../auth/token.service';
import { UserAccessService } from '../auth/user-access.service';
import type { LoginView, UserView } from './access.dto';

/** One answer for an unknown name and a wrong password, so the API does not tell which names exist. */
const WRONG_PAIR = 'wrong username or password';

interface UserGrantRow {
  id: number;
  username: string;
  created_at: Date;
  app_name: string | null;
  role: AppRole | null;
}

/** Console users: created, reset and deleted by the server admin; they log in for a token. */
@Injectable()
export class UsersService {
  private readonly decoyHash = makeDecoyHash();

  constructor(
    private readonly config: ServerConfig,
    @InjectRepository(ConsoleUserEntity) private readonly users: Repository<ConsoleUserEntity>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly tokens: TokenService,
    private readonly access: UserAccessService,
  ) {}

  /** A token for a console user, or for the server admin when the pair is JOBNEST_ADMIN_USER's. */
  async login(username: string, password: string): Promise<LoginView> {
    if (this.config.adminPassword !== undefined && constantTimeEquals(username, this.config.adminUser)) {
      // The same scrypt as a user's login, so the answer's timing does not tell the admin's name.
      await verifyPassword(password, await this.decoyHash);
      if (!constantTimeEquals(password, this.config.adminPassword)) throw new UnauthorizedException(WRONG_PAIR);
      const tag = this.tokens.adminCredentialTag()!;
      const token = this.tokens.issue({ kind: 'admin', username, credentialTag: tag });
      return { ...token, username, serverAdmin: true };
    }
    const user = await this.checkPair(username, password);
    const token = this.tokens.issue({
      kind: 'user',
      userId: user.id,
      username: user.username,
      tokenVersion: user.tokenVersion,
    });
    return { ...token, username: user.username, serverAdmin: false };
  }

  async create(username: string, password: string): Promise<UserView> {
    // Case too: usernames are unique in any case (the column's collation), and an audit name must not pass for the admin's.
    if (username.toLowerCase() === this.config.adminUser.toLowerCase()) {
      throw new ConflictException(`username '${username}' is the server admin's (JOBNEST_ADMIN_USER)`);
    }
    try {
      const saved = await this.users.save(this.users.create({ username, passwordHash: await hashPassword(password) }));
      return { id: saved.id, username: saved.username, createdAt: saved.createdAt.toISOString(), grants: [] };
    } catch (err) {
      if (isDuplicateEntry(err)) throw new ConflictException(`user '${username}' already exists`);
      throw err;
    }
  }

  /** Every user with their grants, by name. */
  async list(): Promise<UserView[]> {
    const rows = (await this.db.query(
      `SELECT u.id, u.username, u.created_at, a.name AS app_name, g.role
       FROM console_user u
       LEFT JOIN app_grant g ON g.user_id = u.id
       LEFT JOIN app_info a ON a.id = g.app_id
       ORDER BY u.username, a.name`,
    )) as UserGrantRow[];
    const byId = new Map<number, UserView>();
    for (const row of rows) {
      let user = byId.get(row.id);
      if (!user) {
        user = { id: row.id, username: row.username, createdAt: new Date(row.created_at).toISOString(), grants: [] };
        byId.set(row.id, user);
      }
      if (row.app_name !== null && row.role !== null) user.grants.push({ appName: row.app_name, role: row.role });
    }
    return [...byId.values()];
  }

  /** Deletes the user and their grants; their tokens stop working. */
  async delete(username: string): Promise<void> {
    const user = await this.require(username);
    await this.db.transaction(async (em) => {
      await em.delete(AppGrantEntity, { userId: user.id });
      await em.delete(ConsoleUserEntity, { id: user.id });
    });
    this.access.forget(user.id);
  }

  /** The server admin sets a new password; the user's tokens are revoked. */
  async resetPassword(username: string, newPassword: string): Promise<void> {
    await this.storePassword(await this.require(username), newPassword);
  }

  /** The user proves the current password and sets a new one; their tokens are revoked. */
  async changePassword(username: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.storePassword(await this.checkPair(username, currentPassword), newPassword);
  }

  /** The user of that name; 404 when there is none. */
  async require(username: string): Promise<ConsoleUserEntity> {
    const user = await this.users.findOneBy({ username });
    if (!user) throw new NotFoundException(`user '${username}' does not exist`);
    return user;
  }

  private checkPair(username: string, password: string): Promise<ConsoleUserEntity> {
    return checkPasswordPair(this.users, { username }, password, this.decoyHash, WRONG_PAIR);
  }

  private async storePassword(user: ConsoleUserEntity, newPassword: string): Promise<void> {
    await storeNewPassword(this.users, user.id, newPassword);
    this.access.forget(user.id);
  }
}

import { ConflictException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { hashPassword, verifyPassword } from '@jobnest/common';
import { AppInfoEntity, isDuplicateEntry } from '@jobnest/persistence';
import type { AppView, TokenView } from './auth.dto';
import { TokenService } from './token.service';
import { TokenVersionsService } from './token-versions.service';

/** One answer for an unknown name and a wrong password, so the API does not tell which names exist. */
const WRONG_PAIR = 'wrong app name or password';

@Injectable()
export class AppsService {
  /** A real hash of a random password: a login for an unknown app verifies against it, so it costs one scrypt too. */
  private readonly decoyHash: Promise<string> = hashPassword(`decoy-${Math.random()}-${Date.now()}`);

  constructor(
    @InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>,
    private readonly tokens: TokenService,
    private readonly versions: TokenVersionsService,
  ) {}

  async register(name: string, password: string): Promise<AppView> {
    if (await this.apps.existsBy({ name })) throw new ConflictException(`app '${name}' already exists`);
    try {
      const saved = await this.apps.save(this.apps.create({ name, passwordHash: await hashPassword(password) }));
      return { id: saved.id, name: saved.name };
    } catch (err) {
      // Two registrations of one name racing: the unique key decides.
      if (isDuplicateEntry(err)) throw new ConflictException(`app '${name}' already exists`);
      throw err;
    }
  }

  async login(appName: string, password: string): Promise<TokenView> {
    const app = await this.checkPair(appName, password);
    return this.tokens.issue({ kind: 'app', appId: app.id, appName: app.name, tokenVersion: app.tokenVersion });
  }

  /** The app proves its current password; every token issued before stops working (see TokenVersionsService). */
  async changePassword(appName: string, currentPassword: string, newPassword: string): Promise<void> {
    const app = await this.checkPair(appName, currentPassword);
    await this.storePassword(app, newPassword);
  }

  /** The server admin sets a new password, for an app that lost its own; the app's tokens are revoked. */
  async resetPassword(appName: string, newPassword: string): Promise<void> {
    const app = await this.apps.findOneBy({ name: appName });
    if (!app) throw new NotFoundException(`app '${appName}' does not exist`);
    await this.storePassword(app, newPassword);
  }

  private async checkPair(appName: string, password: string): Promise<AppInfoEntity> {
    const app = await this.apps.findOneBy({ name: appName });
    const matches = await verifyPassword(password, app?.passwordHash ?? (await this.decoyHash));
    if (!app || !matches) throw new UnauthorizedException(WRONG_PAIR);
    return app;
  }

  private async storePassword(app: AppInfoEntity, newPassword: string): Promise<void> {
    const passwordHash = await hashPassword(newPassword);
    // One statement: the version moves with the hash, even when two changes race.
    await this.apps
      .createQueryBuilder()
      .update()
      .set({ passwordHash, tokenVersion: () => 'token_version + 1' })
      .where('id = :id', { id: app.id })
      .execute();
    const row = await this.apps.findOne({ where: { id: app.id }, select: { id: true, tokenVersion: true } });
    this.versions.remember(app.id, row?.tokenVersion);
  }
}

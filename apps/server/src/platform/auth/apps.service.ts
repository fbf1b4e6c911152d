import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { hashPassword } from '@jobnest/common';
import { AppInfoEntity, isDuplicateEntry } from '@jobnest/persistence';
import type { AppView, TokenView } from './auth.dto';
import { checkPasswordPair, makeDecoyHash, storeNewPassword } from './password-credentials';
import { TokenService } from './token.service';
import { TokenVersionsService } from './token-versions.service';
import { ReportStreams } from '../redis/report-streams.service';

/** One answer for an unknown name and a wrong password, so the API does not tell which names exist. */
const WRONG_PAIR = 'wrong app name or password';

@Injectable()
export class AppsService {
  private readonly decoyHash = makeDecoyHash();

  constructor(
    @InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>,
    private readonly tokens: TokenService,
    private readonly versions: TokenVersionsService,
    private readonly streams: ReportStreams,
  ) {}

  async register(name: string, password: string): Promise<AppView> {
    if (await this.apps.existsBy({ name })) throw new ConflictException(`app '${name}' already exists`);
    try {
      const saved = await this.apps.save(this.apps.create({ name, passwordHash: await hashPassword(password) }));
      // This server reads the new app's streams at once; the others within APP_DISCOVERY_INTERVAL_MS.
      await this.streams.refresh();
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

  /**
   * Splits the app's status and log streams into `parts` (KeyLayout.appStreams): servers read the new parts within
   * APP_DISCOVERY_INTERVAL_MS (this one at once), workers write to theirs from their next start. Never fewer: a
   * worker started before still writes to every part it knew, and a part no server read would strand its reports.
   */
  async setStreamParts(appName: string, parts: number): Promise<void> {
    const app = await this.apps.findOne({ where: { name: appName }, select: { id: true, streamParts: true } });
    if (!app) throw new NotFoundException(`app '${appName}' does not exist`);
    if (parts < app.streamParts) {
      throw new ConflictException(`parts can only grow: app '${appName}' has ${app.streamParts} (asked ${parts})`);
    }
    await this.apps.update({ id: app.id }, { streamParts: parts });
    await this.streams.refresh();
  }

  private checkPair(appName: string, password: string): Promise<AppInfoEntity> {
    return checkPasswordPair(this.apps, { name: appName }, password, this.decoyHash, WRONG_PAIR);
  }

  private async storePassword(app: AppInfoEntity, newPassword: string): Promise<void> {
    this.versions.remember(app.id, await storeNewPassword(this.apps, app.id, newPassword));
  }
}

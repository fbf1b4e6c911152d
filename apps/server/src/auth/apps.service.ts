import { ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { hashPassword, verifyPassword } from '@jobnest/common';
import { AppInfoEntity } from '@jobnest/persistence';
import type { AppView, TokenView } from './auth.dto';
import { TokenService } from './token.service';

const DUPLICATE_ENTRY = 'ER_DUP_ENTRY';

@Injectable()
export class AppsService {
  constructor(
    @InjectRepository(AppInfoEntity) private readonly apps: Repository<AppInfoEntity>,
    private readonly tokens: TokenService,
  ) {}

  async register(name: string, password: string): Promise<AppView> {
    if (await this.apps.existsBy({ name })) throw new ConflictException(`app '${name}' already exists`);
    try {
      const saved = await this.apps.save(this.apps.create({ name, passwordHash: await hashPassword(password) }));
      return { id: saved.id, name: saved.name };
    } catch (err) {
      // Two registrations of one name racing: the unique key decides.
      if ((err as { code?: string }).code === DUPLICATE_ENTRY) throw new ConflictException(`app '${name}' already exists`);
      throw err;
    }
  }

  async login(appName: string, password: string): Promise<TokenView> {
    const app = await this.apps.findOneBy({ name: appName });
    if (!app || !(await verifyPassword(password, app.passwordHash))) {
      throw new UnauthorizedException('wrong app name or password');
    }
    return this.tokens.issue({ appId: app.id, appName: app.name });
  }
}

import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AlarmChannelType } from '@jobnest/common';
import { AlarmChannelEntity, AlarmRuleEntity, isDuplicateEntry } from '@jobnest/persistence';
import { ServerConfig } from '../../platform/config/server-config';
import { EMAIL_ADDRESS } from '../../platform/config/alarm-settings';
import { AlarmOutbox } from '../delivery/alarm-outbox.service';
import { AlarmFacts } from '../evaluation/alarm-facts';
import { AlarmHttpSender } from './alarm-http-sender';
import type { AlarmChannelInputDto, AlarmChannelView } from './alarm-channel.dto';

/** Shortest WEBHOOK signing secret: the receiver's HMAC check is only as strong as it. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** An app's alarm channels: checked on save (400 naming the field), secrets kept write-only. */
@Injectable()
export class AlarmChannelsService {
  constructor(
    @InjectRepository(AlarmChannelEntity) private readonly channels: Repository<AlarmChannelEntity>,
    @InjectRepository(AlarmRuleEntity) private readonly rules: Repository<AlarmRuleEntity>,
    private readonly config: ServerConfig,
    private readonly http: AlarmHttpSender,
    private readonly outbox: AlarmOutbox,
    private readonly facts: AlarmFacts,
  ) {}

  async list(appId: number): Promise<AlarmChannelView[]> {
    return (await this.channels.find({ where: { appId }, order: { id: 'ASC' } })).map(channelView);
  }

  async get(appId: number, id: number): Promise<AlarmChannelView> {
    return channelView(await this.find(appId, id));
  }

  async create(appId: number, input: AlarmChannelInputDto): Promise<AlarmChannelView> {
    const now = Date.now();
    const channel = this.channels.create({ appId, createdTime: now, updatedTime: now });
    await this.apply(channel, input, undefined);
    return channelView(await this.save(channel));
  }

  async replace(appId: number, id: number, input: AlarmChannelInputDto): Promise<AlarmChannelView> {
    const channel = await this.find(appId, id);
    const stored = { url: channel.url, secret: channel.secret, type: channel.type };
    await this.apply(channel, input, stored);
    channel.updatedTime = Date.now();
    return channelView(await this.save(channel));
  }

  /** Sends a test alarm to the channel (queued like any alarm); answers its delivery id. */
  async sendTest(appId: number, id: number): Promise<number> {
    const channel = await this.find(appId, id);
    const appName = (await this.facts.appNamesById([appId])).get(appId) ?? `#${appId}`;
    return this.outbox.sendTest(channel, appName);
  }

  async delete(appId: number, id: number): Promise<void> {
    await this.find(appId, id);
    const users = (await this.rules.findBy({ appId })).filter((r) => r.channelIds.includes(id)).map((r) => r.id);
    if (users.length > 0) {
      throw new ConflictException(
        `channel ${id} is used by alarm rule(s) ${users.join(', ')}: take it out of them first`,
      );
    }
    await this.channels.delete({ id, appId });
  }

  private async find(appId: number, id: number): Promise<AlarmChannelEntity> {
    const channel = await this.channels.findOneBy({ id, appId });
    if (!channel) throw new NotFoundException(`alarm channel ${id} not found`);
    return channel;
  }

  private async save(channel: AlarmChannelEntity): Promise<AlarmChannelEntity> {
    try {
      return await this.channels.save(channel);
    } catch (err) {
      if (isDuplicateEntry(err)) throw new ConflictException(`name: this app has a channel named '${channel.name}'`);
      throw err;
    }
  }

  /**
   * Checks the input against the channel type and writes it into `channel`. `stored`: the channel as saved, whose
   * URL and secret a PUT keeps when it leaves them out (the type must stay the same for that).
   */
  private async apply(
    channel: AlarmChannelEntity,
    input: AlarmChannelInputDto,
    stored: Pick<AlarmChannelEntity, 'url' | 'secret' | 'type'> | undefined,
  ): Promise<void> {
    const keeps = stored !== undefined && stored.type === input.type;
    const type = input.type;
    const recipients = [...new Set(input.recipients ?? [])];
    if (type === AlarmChannelType.EMAIL) {
      if (!this.config.alarms.smtp) {
        throw new BadRequestException(
          'type: EMAIL channels need the server to have an SMTP relay (JOBNEST_SMTP_HOST and JOBNEST_SMTP_FROM)',
        );
      }
      if (input.url !== undefined) throw new BadRequestException('url: an EMAIL channel has no URL');
      if (input.secret !== undefined) throw new BadRequestException('secret: an EMAIL channel has no secret');
      if (recipients.length === 0)
        throw new BadRequestException('recipients: an EMAIL channel needs at least one address');
      recipients.forEach((address, i) => {
        if (!EMAIL_ADDRESS.test(address))
          throw new BadRequestException(`recipients.${i}: '${address}' is not an email address`);
      });
      Object.assign(channel, { name: input.name, type, url: null, secret: null, recipients });
      return;
    }
    if (!this.config.alarms.webhooksEnabled) {
      throw new BadRequestException(
        `type: ${type} channels send HTTP requests from the server and are off on this server (JOBNEST_ALARM_WEBHOOKS=1 turns them on)`,
      );
    }
    const url = input.url ?? (keeps ? stored.url : null);
    if (url === null || url === undefined) throw new BadRequestException(`url: a ${type} channel needs its URL`);
    if (input.url !== undefined) await this.checkUrl(input.url);
    let secret = input.secret === undefined ? (keeps ? stored.secret : null) : input.secret || null;
    if (type === AlarmChannelType.WEBHOOK) {
      if (secret === null)
        throw new BadRequestException(
          'secret: a WEBHOOK channel needs a signing secret (receivers check the signature)',
        );
      if (secret.length < MIN_WEBHOOK_SECRET_LENGTH)
        throw new BadRequestException(`secret: must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
    } else if (type !== AlarmChannelType.DINGTALK && type !== AlarmChannelType.FEISHU) {
      if (input.secret) throw new BadRequestException(`secret: a ${type} channel takes no secret`);
      secret = null;
    }
    Object.assign(channel, { name: input.name, type, url, secret, recipients });
  }

  private async checkUrl(text: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new BadRequestException('url: must be an http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new BadRequestException('url: must be an http:// or https:// URL');
    if (url.username || url.password) throw new BadRequestException('url: must not carry a user name or password');
    const refusal = await this.http.refusal(text);
    if (refusal) throw new BadRequestException(`url: ${refusal}`);
  }
}

export function channelView(c: AlarmChannelEntity): AlarmChannelView {
  let urlOrigin: string | null = null;
  if (c.url) {
    try {
      urlOrigin = new URL(c.url).origin;
    } catch {
      urlOrigin = null;
    }
  }
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    urlOrigin,
    secretSet: c.secret !== null,
    recipients: c.recipients,
    createdTime: c.createdTime,
    updatedTime: c.updatedTime,
  };
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { AlarmChannelType, AlarmDeliveryStatus } from '@jobnest/common';
import { AlarmChannelEntity, AlarmDeliveryEntity, AlarmRuleEntity } from '@jobnest/persistence';
import { EMAIL_ADDRESS } from '../../platform/config/alarm-settings';
import { ServerConfig } from '../../platform/config/server-config';
import { parseEvent, type AlarmEvent, type AlarmMessage } from '../alarm-event';
import { AlarmHttpSender } from '../channels/alarm-http-sender';
import { AlarmMailer } from '../channels/alarm-mailer';
import type { SendOutcome } from '../channels/send-outcome';
import { summarizeAlarm } from '../formats/alarm-summary';
import type { DeliverAlarmJob } from './alarm-jobs';

/** Log lines an alarm about an instance shows (its last ones). */
const LOG_LINES = 10;

/** A delivery failed (the receiver refused or could not be reached): BullMQ retries it. */
export class AlarmDeliveryFailedError extends Error {
  constructor(deliveryId: number, answer: string) {
    super(`alarm delivery ${deliveryId} failed: ${answer}`);
    this.name = 'AlarmDeliveryFailedError';
  }
}

/**
 * One attempt of one delivery: reads its history row and channel, renders the alarm in the channel's format with
 * the instance's last log lines and the console link, sends it, and writes the outcome (attempts, status, the
 * receiver's answer) into the row.
 */
@Injectable()
export class AlarmSender {
  private readonly logger = new Logger(AlarmSender.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(AlarmDeliveryEntity) private readonly deliveries: Repository<AlarmDeliveryEntity>,
    @InjectRepository(AlarmChannelEntity) private readonly channels: Repository<AlarmChannelEntity>,
    @InjectRepository(AlarmRuleEntity) private readonly rules: Repository<AlarmRuleEntity>,
    private readonly config: ServerConfig,
    private readonly http: AlarmHttpSender,
    private readonly mailer: AlarmMailer,
  ) {}

  async deliver(job: DeliverAlarmJob, attempt: number, lastAttempt: boolean): Promise<void> {
    const delivery = await this.deliveries.findOneBy({ id: job.deliveryId });
    if (!delivery || delivery.status === AlarmDeliveryStatus.SENT) return; // deleted by retention, or done
    const channel = delivery.channelId === null ? null : await this.channels.findOneBy({ id: delivery.channelId });
    if (!channel) {
      await this.record(delivery.id, attempt, AlarmDeliveryStatus.FAILED, 'not sent: the channel was deleted');
      return;
    }
    const event = parseEvent(delivery.payload);
    if (!event) {
      await this.record(delivery.id, attempt, AlarmDeliveryStatus.FAILED, 'not sent: the stored event is unreadable');
      return;
    }
    const rule = await this.rules.findOneBy({ id: delivery.ruleId });
    const outcome = await this.send(channel, delivery, event, rule?.recipients ?? []);
    const status = outcome.ok
      ? AlarmDeliveryStatus.SENT
      : lastAttempt
        ? AlarmDeliveryStatus.FAILED
        : AlarmDeliveryStatus.RETRYING;
    await this.record(delivery.id, attempt, status, outcome.answer);
    if (outcome.ok) return;
    if (lastAttempt) {
      this.logger.warn(`alarm delivery ${delivery.id} to channel '${channel.name}' failed for good: ${outcome.answer}`);
    }
    throw new AlarmDeliveryFailedError(delivery.id, outcome.answer);
  }

  private async send(
    channel: AlarmChannelEntity,
    delivery: AlarmDeliveryEntity,
    event: AlarmEvent,
    ruleRecipients: readonly string[],
  ): Promise<SendOutcome> {
    // A rule's recipients serve all its channels: addresses go to email, the rest are robot mentions.
    const all = [...new Set([...channel.recipients, ...ruleRecipients])];
    const isEmail = channel.type === AlarmChannelType.EMAIL;
    const recipients = all.filter((r) => EMAIL_ADDRESS.test(r) === isEmail);
    const message: AlarmMessage = {
      event,
      deliveryId: delivery.id,
      suppressedCount: delivery.suppressedCount,
      logLines: event.instanceId === undefined ? [] : await this.lastLogLines(event.instanceId),
      link: this.link(event),
      mentions: isEmail ? [] : recipients,
    };
    const summary = summarizeAlarm(message);
    return isEmail ? this.mailer.send(recipients, summary) : this.http.send(channel, message, summary);
  }

  private async record(id: number, attempts: number, status: AlarmDeliveryStatus, answer: string): Promise<void> {
    await this.deliveries.update({ id }, { attempts, status, answer: answer.slice(0, 1000), updatedTime: Date.now() });
  }

  private async lastLogLines(instanceId: number): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT time, level, message FROM instance_log WHERE instance_id = ? ORDER BY id DESC LIMIT ${LOG_LINES}`,
      [instanceId],
    )) as { time: number | string; level: string; message: string }[];
    return rows.reverse().map((r) => `${new Date(Number(r.time)).toISOString()} ${r.level} ${r.message}`);
  }

  /** The console page of the event's instance or workflow instance. */
  private link(event: AlarmEvent): string | undefined {
    const path =
      event.instanceId !== undefined
        ? `/console/instances/${event.instanceId}`
        : event.workflowInstanceId !== undefined
          ? `/console/workflow-instances/${event.workflowInstanceId}`
          : undefined;
    return path === undefined ? undefined : `${this.config.alarms.publicUrl ?? ''}${path}`;
  }
}

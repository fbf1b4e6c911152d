import { randomBytes } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobsOptions, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { AlarmDeliveryStatus, AlarmEventType } from '@jobnest/common';
import type { AlarmRuleEntity } from '@jobnest/persistence';
import { ALARM_QUEUE } from '@jobnest/transport';
import { ServerConfig } from '../../platform/config/server-config';
import type { AlarmEvent } from '../alarm-event';
import { summarizeAlarm } from '../formats/alarm-summary';
import { DELIVER_JOB, SUMMARIZE_JOB, type DeliverAlarmJob, type SummarizeHeldJob } from './alarm-jobs';

/** An alarm the gate let through (or held back: `held`), with the events held back before it. */
export interface OutgoingAlarm {
  rule: AlarmRuleEntity;
  event: AlarmEvent;
  suppressedCount: number;
  held?: boolean;
}

/** One history row to insert. */
interface DeliveryRow {
  appId: number;
  ruleId: number;
  channelId: number | null;
  event: AlarmEvent;
  status: AlarmDeliveryStatus;
  suppressedCount: number;
  answer: string | null;
}

/** A summary job starts this long after its silence period ends (the period's key has expired by then). */
const SUMMARY_MARGIN_MS = 100;

/**
 * Writes alarms into the delivery history and queues their delivery: per batch one multi-row INSERT (one row per
 * channel, or one SUPPRESSED row for an event held back), one SELECT of the ids and one addBulk. The history is
 * unique per (rule, channel, event key), so an alarm two servers raise is delivered once.
 */
@Injectable()
export class AlarmOutbox {
  private readonly logger = new Logger(AlarmOutbox.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(ALARM_QUEUE) private readonly queue: Queue,
    private readonly config: ServerConfig,
  ) {}

  async send(alarms: readonly OutgoingAlarm[]): Promise<void> {
    if (alarms.length === 0) return;
    const channelIds = await this.existingChannels(alarms.flatMap((a) => (a.held ? [] : a.rule.channelIds)));
    const rows: DeliveryRow[] = [];
    for (const { rule, event, suppressedCount, held } of alarms) {
      const base = { appId: rule.appId, ruleId: rule.id, event, suppressedCount };
      if (held) {
        rows.push({ ...base, channelId: null, status: AlarmDeliveryStatus.SUPPRESSED, answer: null });
        continue;
      }
      const channels = rule.channelIds.filter((id) => channelIds.has(id));
      if (channels.length === 0) {
        const answer = 'not sent: none of the channels the rule names exists any more';
        rows.push({ ...base, channelId: null, status: AlarmDeliveryStatus.FAILED, answer });
        this.logger.warn(`alarm rule ${rule.id}: ${answer} (${event.type} ${event.key})`);
      }
      for (const channelId of channels)
        rows.push({ ...base, channelId, status: AlarmDeliveryStatus.QUEUED, answer: null });
    }
    await this.insert(rows);
    await this.enqueue(rows.filter((r) => r.status === AlarmDeliveryStatus.QUEUED));
  }

  /**
   * A test alarm to one channel, through the same history and queue as any alarm (rule 0: none asked for it).
   * Answers the delivery's id, whose history row shows how it went.
   */
  async sendTest(channel: { id: number; appId: number; name: string }, appName: string): Promise<number> {
    const now = Date.now();
    const event: AlarmEvent = {
      type: AlarmEventType.TEST,
      key: `test:${channel.id}:${now}:${randomBytes(4).toString('hex')}`,
      appId: channel.appId,
      appName,
      subject: `channel:${channel.id}`,
      occurredAt: now,
      reason: `a test alarm to channel '${channel.name}', sent on request`,
    };
    const row = { appId: channel.appId, ruleId: 0, channelId: channel.id, event, suppressedCount: 0, answer: null };
    await this.insert([{ ...row, status: AlarmDeliveryStatus.QUEUED }]);
    const [found] = (await this.db.query(
      'SELECT id FROM alarm_delivery WHERE rule_id = 0 AND channel_id = ? AND event_key = ?',
      [channel.id, event.key],
    )) as { id: number | string }[];
    const deliveryId = Number(found!.id);
    await this.queue.add(DELIVER_JOB, { deliveryId } satisfies DeliverAlarmJob, this.deliveryOptions(deliveryId, 0));
    return deliveryId;
  }

  /** BullMQ keeps one job per id: a second server (or the sweep) queueing the same delivery adds nothing. */
  private deliveryOptions(deliveryId: number, delay: number): JobsOptions {
    const { attempts, backoffMs } = this.config.alarms;
    return {
      jobId: `delivery-${deliveryId}`,
      delay,
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 86_400 },
    };
  }

  /** Queues the summary of a silence period that just held back its first event. */
  summarizeAt(rule: AlarmRuleEntity, subject: string, decision: { period: string; silentUntil: number }): void {
    const data: SummarizeHeldJob = { ruleId: rule.id, subject, period: decision.period };
    this.queue
      .add(SUMMARIZE_JOB, data, {
        jobId: `summary-${rule.id}-${subject.replace(':', '-')}-${decision.period}`,
        delay: Math.max(0, decision.silentUntil - Date.now()) + SUMMARY_MARGIN_MS,
        attempts: this.config.alarms.attempts,
        backoff: { type: 'exponential', delay: this.config.alarms.backoffMs },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 86_400 },
      })
      .catch((err: unknown) =>
        this.logger.error(`could not queue the silence summary of rule ${rule.id} (${subject}): ${String(err)}`),
      );
  }

  /**
   * Queues again the deliveries whose job Redis lost (a restart without persistence) or never got (addBulk failed
   * after the INSERT): rows still QUEUED a minute after they were written, RETRYING ones untouched for an hour. Their
   * job id is the row's, so one still queued is not doubled.
   */
  async requeueStale(now: number): Promise<number> {
    const rows = (await this.db.query(
      `SELECT id FROM alarm_delivery
        WHERE (status = ? AND updated_time < ?) OR (status = ? AND updated_time < ?)
        ORDER BY id LIMIT 500`,
      [AlarmDeliveryStatus.QUEUED, now - 60_000, AlarmDeliveryStatus.RETRYING, now - 3_600_000],
    )) as { id: number | string }[];
    if (rows.length === 0) return 0;
    await this.queue.addBulk(
      rows.map((r) => ({
        name: DELIVER_JOB,
        data: { deliveryId: Number(r.id) } satisfies DeliverAlarmJob,
        opts: this.deliveryOptions(Number(r.id), 0),
      })),
    );
    await this.db.query(`UPDATE alarm_delivery SET updated_time = ? WHERE id IN (${rows.map(() => '?').join(', ')})`, [
      now,
      ...rows.map((r) => Number(r.id)),
    ]);
    return rows.length;
  }

  private async existingChannels(ids: number[]): Promise<Set<number>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set();
    const rows = (await this.db.query(
      `SELECT id FROM alarm_channel WHERE id IN (${unique.map(() => '?').join(', ')})`,
      unique,
    )) as { id: number | string }[];
    return new Set(rows.map((r) => Number(r.id)));
  }

  private async insert(rows: DeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    const now = Date.now();
    const values: unknown[] = [];
    for (const r of rows) {
      const title = summarizeAlarm({
        event: r.event,
        deliveryId: 0,
        suppressedCount: r.suppressedCount,
        logLines: [],
        mentions: [],
      }).title.slice(0, 500);
      values.push(
        r.appId,
        r.ruleId,
        r.channelId,
        r.event.type,
        r.event.key.slice(0, 191),
        r.status,
        r.suppressedCount,
        title,
        JSON.stringify(r.event),
        r.answer,
        now,
        now,
      );
    }
    // IGNORE: the (rule, channel, event key) row exists when another server wrote this alarm first.
    await this.db.query(
      `INSERT IGNORE INTO alarm_delivery
         (app_id, rule_id, channel_id, event_type, event_key, status, attempts, suppressed_count, title, payload,
          answer, created_time, updated_time)
       VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      values,
    );
  }

  private async enqueue(rows: DeliveryRow[]): Promise<void> {
    if (rows.length === 0) return;
    // On the whole unique key (rule, channel, event key): the index finds each row, whatever the history's size.
    const found = (await this.db.query(
      `SELECT id, rule_id AS ruleId, channel_id AS channelId, event_key AS eventKey FROM alarm_delivery
        WHERE status = ? AND (rule_id, channel_id, event_key) IN (${rows.map(() => '(?, ?, ?)').join(', ')})`,
      [AlarmDeliveryStatus.QUEUED, ...rows.flatMap((r) => [r.ruleId, r.channelId, r.event.key.slice(0, 191)])],
    )) as { id: number | string; ruleId: number | string; channelId: number | null; eventKey: string }[];
    const byKey = new Map(rows.map((r) => [`${r.ruleId}/${r.channelId}/${r.event.key.slice(0, 191)}`, r]));
    const { logWaitMs } = this.config.alarms;
    const jobs = found.flatMap((f) => {
      const row = byKey.get(`${Number(f.ruleId)}/${f.channelId === null ? null : Number(f.channelId)}/${f.eventKey}`);
      if (!row) return [];
      const data: DeliverAlarmJob = { deliveryId: Number(f.id) };
      return [
        {
          name: DELIVER_JOB,
          data,
          // An instance's last log lines travel on their own stream: give them a moment to arrive.
          opts: this.deliveryOptions(Number(f.id), row.event.instanceId === undefined ? 0 : logWaitMs),
        },
      ];
    });
    await this.queue.addBulk(jobs);
  }
}

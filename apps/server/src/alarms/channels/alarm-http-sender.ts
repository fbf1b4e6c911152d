import { Injectable } from '@nestjs/common';
import { AlarmChannelType } from '@jobnest/common';
import { GuardedHttpClient, vetTarget } from '@jobnest/http-guard';
import type { AlarmChannelEntity } from '@jobnest/persistence';
import { ServerConfig } from '../../platform/config/server-config';
import type { AlarmMessage } from '../alarm-event';
import type { AlarmSummary } from '../formats/alarm-summary';
import { judgeAnswer } from '../formats/robot-answers';
import { dingTalkBody, feishuBody, slackBody, webhookBody, weComBody } from '../formats/robot-bodies';
import {
  dingTalkSignedUrl,
  feishuSign,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  webhookSignature,
} from '../formats/robot-signing';
import type { SendOutcome } from './send-outcome';

/** Bytes of a receiver's answer read (and kept, cut further, in the history). */
const ANSWER_BYTES = 2048;
const GUARD = { allowListSetting: 'JOBNEST_ALARM_ALLOWED_HOSTS', label: 'alarm webhook' };

/**
 * Posts an alarm to a webhook or chat robot in its format, through the guarded client: only public addresses (or
 * those JOBNEST_ALARM_ALLOWED_HOSTS lists), the connection pinned to the address checked, no redirect followed,
 * and at most JOBNEST_ALARM_TIMEOUT_MS per attempt.
 */
@Injectable()
export class AlarmHttpSender {
  private readonly client: GuardedHttpClient;

  constructor(private readonly config: ServerConfig) {
    this.client = new GuardedHttpClient(config.alarms.allowedHosts, GUARD);
  }

  /** Refuses a URL the server would not send to (checked when a channel is saved): the reason, or undefined. */
  async refusal(url: string): Promise<string | undefined> {
    try {
      await vetTarget(new URL(url), this.config.alarms.allowedHosts, GUARD);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  async send(channel: AlarmChannelEntity, message: AlarmMessage, summary: AlarmSummary): Promise<SendOutcome> {
    // Checked at each send, not only when the channel was saved: switching webhooks off stops them at once.
    if (!this.config.alarms.webhooksEnabled)
      return { ok: false, answer: 'not sent: webhook channels are off on this server (JOBNEST_ALARM_WEBHOOKS)' };
    const now = Date.now();
    const secret = channel.secret ?? undefined;
    let url = channel.url ?? '';
    let body: unknown;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    switch (channel.type) {
      case AlarmChannelType.SLACK:
        body = slackBody(summary, message.mentions);
        break;
      case AlarmChannelType.DINGTALK:
        if (secret) url = dingTalkSignedUrl(url, secret, now);
        body = dingTalkBody(summary, message.mentions);
        break;
      case AlarmChannelType.FEISHU:
        body = feishuBody(summary, message.mentions, secret ? feishuSign(secret, now) : undefined);
        break;
      case AlarmChannelType.WECOM:
        body = weComBody(summary, message.mentions);
        break;
      default:
        body = webhookBody(message, summary);
    }
    const text = JSON.stringify(body);
    if (channel.type === AlarmChannelType.WEBHOOK) {
      const timestamp = String(now);
      headers[WEBHOOK_TIMESTAMP_HEADER] = timestamp;
      headers[WEBHOOK_DELIVERY_HEADER] = String(message.deliveryId);
      if (secret) headers[WEBHOOK_SIGNATURE_HEADER] = webhookSignature(secret, timestamp, text);
    }
    const timeoutMs = this.config.alarms.timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    // The host name's lookup takes no signal: the race bounds the whole attempt all the same.
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    );
    try {
      const response = await Promise.race([
        this.client.send({ url, method: 'POST', headers, body: text }, signal, ANSWER_BYTES, { maxRedirects: 0 }),
        timedOut,
      ]);
      return judgeAnswer(channel.type, response.status, response.bodyStart);
    } catch (err) {
      return { ok: false, answer: unreachable(err, timeoutMs) };
    } finally {
      timedOut.catch(() => undefined);
    }
  }
}

/** Why a receiver could not be reached, without the URL (a robot URL carries its access token). */
function unreachable(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  return `not reached: ${code ? `${code} ` : ''}${message.replace(/https?:\/\/\S+/g, '<url>')}`.slice(0, 1000);
}

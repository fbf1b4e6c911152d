import type { AlarmEvent, AlarmMessage } from '../alarm-event';
import type { AlarmSummary } from './alarm-summary';
import { renderMarkdown, renderPlainText } from './plain-text';

/** WeCom refuses markdown content over 4096 bytes (UTF-8). */
export const WECOM_MAX_CONTENT_BYTES = 4096;

/**
 * A mention id as configured, without the characters that would end or forge the receiver's mention markup
 * (`<@id>`, `<at user_id="id">`); an id left empty is dropped.
 */
function cleanMentions(mentions: readonly string[]): string[] {
  return mentions.map((m) => m.replace(/[\s<>"&|]/g, '')).filter((m) => m !== '');
}

/** The summary with `defuse` applied to every text an event's author can influence (names, reasons, logs). */
function mapSummaryText(summary: AlarmSummary, defuse: (text: string) => string): AlarmSummary {
  return {
    ...summary,
    title: defuse(summary.title),
    fields: summary.fields.map((f) => ({ label: f.label, value: defuse(f.value) })),
    logLines: summary.logLines.map(defuse),
  };
}

/** Slack incoming webhook. Mentions go first so that the notification shows them. */
export function slackBody(summary: AlarmSummary, mentions: readonly string[]): { text: string } {
  const at = cleanMentions(mentions).map((m) => `<@${m}> `);
  return { text: `${at.join('')}${renderMarkdown(summary, 'slack')}` };
}

/** DingTalk custom robot, markdown message. */
export interface DingTalkBody {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; atUserIds: string[]; isAtAll: false };
}

/**
 * DingTalk custom robot. A mention is a phone number (digits and `+`) or a user id, and DingTalk only notifies a
 * mentioned person whose `@<mention>` is also in the text, so each is appended to it.
 */
export function dingTalkBody(summary: AlarmSummary, mentions: readonly string[]): DingTalkBody {
  const cleaned = cleanMentions(mentions);
  const atMobiles = cleaned.filter((m) => /^[+\d]+$/.test(m));
  const atUserIds = cleaned.filter((m) => !/^[+\d]+$/.test(m));
  let text = renderMarkdown(summary, 'standard');
  if (cleaned.length > 0) text += `\n\n${cleaned.map((m) => `@${m}`).join(' ')}`;
  return {
    msgtype: 'markdown',
    markdown: { title: summary.title, text },
    at: { atMobiles, atUserIds, isAtAll: false },
  };
}

/** Feishu / Lark custom bot, text message. */
export interface FeishuBody {
  msg_type: 'text';
  content: { text: string };
  timestamp?: string;
  sign?: string;
}

/**
 * Feishu / Lark custom bot. Its text messages turn `<at user_id="...">` into mentions (`all` pings everyone), so
 * `<at` and `</at` in the alarm's own text are defused with a full-width '＜'; the configured mentions are put first.
 * With a signing secret, the `timestamp` and `sign` of feishuSign() go in the body.
 */
export function feishuBody(
  summary: AlarmSummary,
  mentions: readonly string[],
  sign?: { timestamp: string; sign: string },
): FeishuBody {
  const safe = mapSummaryText(summary, (text) => text.replace(/<(?=\/?at\b)/gi, '＜'));
  const at = cleanMentions(mentions).map((m) => `<at user_id="${m}"></at> `);
  const body: FeishuBody = { msg_type: 'text', content: { text: `${at.join('')}${renderPlainText(safe)}` } };
  if (sign) {
    body.timestamp = sign.timestamp;
    body.sign = sign.sign;
  }
  return body;
}

/**
 * `text` cut to at most `maxBytes` of UTF-8, ending with '...' when cut, never inside a character (a cut multi-byte
 * character would be sent as U+FFFD or refused).
 */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes - 3;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // bytes[end] continues a character: cut before it starts
  return `${bytes.subarray(0, end).toString('utf8')}...`;
}

/** WeCom (WeChat Work) group robot, markdown message. */
export interface WeComBody {
  msgtype: 'markdown';
  markdown: { content: string };
}

/**
 * WeCom group robot. Its markdown turns `<@userid>` into mentions (`<@all>` included), so `<@` in the alarm's own
 * text is defused; the configured mentions go first, which also keeps them when the content is cut to WeCom's
 * 4096-byte limit.
 */
export function weComBody(summary: AlarmSummary, mentions: readonly string[]): WeComBody {
  const safe = mapSummaryText(summary, (text) => text.replace(/<@/g, '＜@'));
  const at = cleanMentions(mentions).map((m) => `<@${m}> `);
  const content = cutUtf8(`${at.join('')}${renderMarkdown(safe, 'standard')}`, WECOM_MAX_CONTENT_BYTES);
  return { msgtype: 'markdown', markdown: { content } };
}

/** The JSON a generic webhook receives (signed with webhookSignature()). */
export interface WebhookBody {
  version: 1;
  /** Same on every retry of one delivery: a receiver drops a duplicate by it. */
  deliveryId: number;
  event: AlarmEvent;
  suppressedCount: number;
  title: string;
  /** The plain-text rendering, for receivers that just forward it. */
  text: string;
  logLines: string[];
  link?: string;
}

/** The generic webhook's body: the raw event for programs, and the rendered text for people. */
export function webhookBody(message: AlarmMessage, summary: AlarmSummary): WebhookBody {
  const body: WebhookBody = {
    version: 1,
    deliveryId: message.deliveryId,
    event: message.event,
    suppressedCount: message.suppressedCount,
    title: summary.title,
    text: renderPlainText(summary),
    logLines: summary.logLines,
  };
  if (summary.link) body.link = summary.link;
  return body;
}

import { ConfigError, type EnvReader } from '@jobnest/common';
import { HostAllowList } from '@jobnest/http-guard';

/** The server's SMTP relay for EMAIL alarm channels (nodemailer). */
export interface SmtpSettings {
  /** JOBNEST_SMTP_HOST (Default: none: EMAIL channels are off) */
  host: string;
  /** JOBNEST_SMTP_PORT (Default: 587, or 465 when JOBNEST_SMTP_SECURE=1) */
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465); off, STARTTLS upgrades the connection. JOBNEST_SMTP_SECURE (Default: 0) */
  secure: boolean;
  /** Refuse to send over a connection STARTTLS did not encrypt. JOBNEST_SMTP_REQUIRE_TLS (Default: 1) */
  requireTls: boolean;
  /** Check the relay's TLS certificate. JOBNEST_SMTP_TLS_REJECT_UNAUTHORIZED (Default: 1) */
  rejectUnauthorized: boolean;
  /** JOBNEST_SMTP_USER (Default: none: no login) */
  user: string | undefined;
  /** JOBNEST_SMTP_PASSWORD (Default: none) */
  password: string | undefined;
  /** The From address of every alarm email; required with JOBNEST_SMTP_HOST. JOBNEST_SMTP_FROM (Default: none) */
  from: string;
}

/** Settings of alarms and their delivery. */
export interface AlarmSettings {
  /**
   * WEBHOOK and robot channels (Slack, DingTalk, Feishu, WeCom) make the server send HTTP requests where an app's
   * developers point them, so they are off until enabled. JOBNEST_ALARM_WEBHOOKS (Default: 0)
   */
  webhooksEnabled: boolean;
  /**
   * Non-public hosts, IP addresses or CIDR ranges alarm webhooks may reach (public addresses need no entry).
   * JOBNEST_ALARM_ALLOWED_HOSTS (Default: none)
   */
  allowedHosts: HostAllowList;
  smtp: SmtpSettings | undefined;
  /** Base URL of the console for the links in alarms, e.g. https://jobnest.example.com. JOBNEST_PUBLIC_URL (Default: none: links are paths) */
  publicUrl: string | undefined;
  /** Attempts of one delivery before it is FAILED. JOBNEST_ALARM_ATTEMPTS (Default: 5) */
  attempts: number;
  /** Wait before the first retry, doubled each time. JOBNEST_ALARM_BACKOFF_MS (Default: 10000) */
  backoffMs: number;
  /** One attempt (connect, send, answer) gives up after this long. JOBNEST_ALARM_TIMEOUT_MS (Default: 10000) */
  timeoutMs: number;
  /** An alarm about an instance waits this long for its last log lines to arrive. JOBNEST_ALARM_LOG_WAIT_MS (Default: 1000) */
  logWaitMs: number;
  /** Delivery history rows older than this are deleted; 0 keeps them. JOBNEST_ALARM_HISTORY_RETENTION_MS (Default: 2592000000 = 30 days) */
  historyRetentionMs: number;
}

/** Reads and checks the alarm settings: a bad value stops the boot with its name; nothing here connects anywhere. */
export function readAlarmSettings(r: EnvReader): AlarmSettings {
  const publicUrl = r.optionalString('JOBNEST_PUBLIC_URL');
  if (publicUrl !== undefined) r.url('JOBNEST_PUBLIC_URL', publicUrl, ['http', 'https']);
  return {
    webhooksEnabled: r.bool('JOBNEST_ALARM_WEBHOOKS', false),
    allowedHosts: HostAllowList.parse('JOBNEST_ALARM_ALLOWED_HOSTS', r.list('JOBNEST_ALARM_ALLOWED_HOSTS')),
    smtp: readSmtpSettings(r),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    attempts: r.int('JOBNEST_ALARM_ATTEMPTS', 5, 1, 50),
    backoffMs: r.int('JOBNEST_ALARM_BACKOFF_MS', 10_000, 10, 3_600_000),
    timeoutMs: r.int('JOBNEST_ALARM_TIMEOUT_MS', 10_000, 100, 300_000),
    logWaitMs: r.int('JOBNEST_ALARM_LOG_WAIT_MS', 1000, 0, 60_000),
    historyRetentionMs: r.int('JOBNEST_ALARM_HISTORY_RETENTION_MS', 30 * 24 * 3600 * 1000, 0),
  };
}

/** A mailbox as SMTP takes it: local@domain, no spaces or angle brackets. */
export const EMAIL_ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function readSmtpSettings(r: EnvReader): SmtpSettings | undefined {
  const host = r.optionalString('JOBNEST_SMTP_HOST');
  if (host === undefined) {
    for (const name of ['JOBNEST_SMTP_FROM', 'JOBNEST_SMTP_USER', 'JOBNEST_SMTP_PASSWORD']) {
      if (r.optionalString(name) !== undefined) throw new ConfigError(name, 'is set but JOBNEST_SMTP_HOST is not');
    }
    return undefined;
  }
  const secure = r.bool('JOBNEST_SMTP_SECURE', false);
  const from = r.optionalString('JOBNEST_SMTP_FROM');
  if (from === undefined) throw new ConfigError('JOBNEST_SMTP_FROM', 'is required with JOBNEST_SMTP_HOST');
  if (!EMAIL_ADDRESS.test(from)) {
    throw new ConfigError('JOBNEST_SMTP_FROM', `must be an email address like alarms@example.com (got '${from}')`);
  }
  const user = r.optionalString('JOBNEST_SMTP_USER');
  const password = r.optionalString('JOBNEST_SMTP_PASSWORD');
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(
      user === undefined ? 'JOBNEST_SMTP_USER' : 'JOBNEST_SMTP_PASSWORD',
      'JOBNEST_SMTP_USER and JOBNEST_SMTP_PASSWORD go together',
    );
  }
  return {
    host,
    port: r.int('JOBNEST_SMTP_PORT', secure ? 465 : 587, 1, 65535),
    secure,
    requireTls: r.bool('JOBNEST_SMTP_REQUIRE_TLS', true),
    rejectUnauthorized: r.bool('JOBNEST_SMTP_TLS_REJECT_UNAUTHORIZED', true),
    user,
    password,
    from,
  };
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { errorMessage } from '@jobnest/common';
import { ServerConfig } from '../../platform/config/server-config';
import type { SmtpSettings } from '../../platform/config/alarm-settings';
import type { AlarmSummary } from '../formats/alarm-summary';
import { emailContent } from '../formats/email-content';
import type { SendOutcome } from './send-outcome';

/**
 * Sends alarm emails through the server's SMTP relay (nodemailer). The relay is checked at boot in the background:
 * one that cannot be reached is logged, never a reason not to start, and each delivery then fails visibly in the
 * history and is retried.
 */
@Injectable()
export class AlarmMailer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmMailer.name);
  private readonly transport: Transporter | undefined;
  private readonly smtp: SmtpSettings | undefined;

  constructor(config: ServerConfig) {
    this.smtp = config.alarms.smtp;
    const timeout = config.alarms.timeoutMs;
    this.transport = this.smtp
      ? createTransport({
          host: this.smtp.host,
          port: this.smtp.port,
          secure: this.smtp.secure,
          requireTLS: this.smtp.requireTls,
          ignoreTLS: false,
          tls: { rejectUnauthorized: this.smtp.rejectUnauthorized },
          ...(this.smtp.user ? { auth: { user: this.smtp.user, pass: this.smtp.password ?? '' } } : {}),
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout,
        })
      : undefined;
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.transport || !this.smtp) return;
    const where = `${this.smtp.host}:${this.smtp.port}`;
    this.transport.verify().then(
      () => this.logger.log(`SMTP relay ${where} answers: alarm emails can be sent`),
      (err: unknown) =>
        this.logger.warn(
          `SMTP relay ${where} cannot be used now (${errorMessage(err)}): alarm emails will fail until it can`,
        ),
    );
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  async send(recipients: readonly string[], summary: AlarmSummary): Promise<SendOutcome> {
    if (!this.transport || !this.smtp) return { ok: false, answer: 'not sent: the server has no JOBNEST_SMTP_HOST' };
    const content = emailContent(summary);
    try {
      const info = (await this.transport.sendMail({
        from: this.smtp.from,
        to: [...recipients],
        subject: content.subject,
        text: content.text,
        html: content.html,
      })) as { response?: string; rejected?: unknown[] };
      const rejected = info.rejected?.length ?? 0;
      const answer = `SMTP ${info.response ?? 'accepted'}${rejected > 0 ? ` (${rejected} recipient(s) refused)` : ''}`;
      return { ok: true, answer: answer.slice(0, 1000) };
    } catch (err) {
      const code = (err as { responseCode?: number; code?: string }).responseCode ?? (err as { code?: string }).code;
      return { ok: false, answer: `not sent: ${code ? `${code} ` : ''}${errorMessage(err)}`.slice(0, 1000) };
    }
  }
}

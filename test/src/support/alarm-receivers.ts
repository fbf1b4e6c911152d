import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One request a webhook receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with. */
  status: number;
}

/**
 * A real HTTP server standing in for webhooks and chat robots: it records every request, and answers each path
 * with the statuses scripted for it (then 200) and a body (Default: `ok`).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, number[]>();
  private readonly bodies = new Map<string, string>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const pathOnly = path.split('?')[0]!;
        const status = this.scripts.get(pathOnly)?.shift() ?? 200;
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? (this.bodies.get(pathOnly) ?? 'ok') : 'receiver says no');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** `path` answers these statuses to its next requests, in order, then 200. */
  script(path: string, statuses: number[]): void {
    this.scripts.set(path, [...statuses]);
  }

  /** `path` answers 200 with this body (a robot's JSON answer). */
  answer(path: string, body: string): void {
    this.bodies.set(path, body);
  }

  /** The requests to `path` (query aside), as parsed JSON bodies with their headers. */
  to(path: string): { json: Record<string, unknown>; request: ReceivedRequest }[] {
    return this.requests
      .filter((r) => r.path.split('?')[0] === path)
      .map((request) => ({ json: JSON.parse(request.body) as Record<string, unknown>, request }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One message a local SMTP server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1, plain SMTP without STARTTLS, recording messages. */
export class MailReceiver {
  readonly messages: ReceivedMail[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        this.messages.push({
          from: from === false ? '' : from.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

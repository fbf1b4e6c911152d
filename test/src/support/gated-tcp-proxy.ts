import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './free-port';

/**
 * A TCP proxy on 127.0.0.1 in front of a real service, with a gate: connections that arrive while it is closed are
 * held (accepted, nothing forwarded) until `expected` of them wait or `maxHoldMs` passed since the first, then all go
 * through at once. Several processes started together thus reach the service at the same moment, however unevenly
 * they booted: a race between them (e.g. two servers migrating one database) is then hard to miss. Once open, the
 * gate stays open and the proxy forwards every connection at once.
 */
export class GatedTcpProxy {
  private server: Server | undefined;
  private readonly held: Socket[] = [];
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;
  private open = false;
  port = 0;
  /** How many connections went through together when the gate opened. */
  releasedTogether = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly expected: number,
    private readonly maxHoldMs: number,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.open) return this.forward(client);
    this.held.push(client);
    if (this.held.length >= this.expected) this.release();
    else this.timer ??= setTimeout(() => this.release(), this.maxHoldMs);
  }

  private release(): void {
    if (this.open) return;
    this.open = true;
    clearTimeout(this.timer);
    const waiting = this.held.splice(0).filter((s) => !s.destroyed);
    this.releasedTogether = waiting.length;
    for (const client of waiting) this.forward(client);
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

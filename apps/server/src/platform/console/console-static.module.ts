import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { Response } from 'express';
import type { ServerConfig } from '../config/server-config';

/**
 * The page's own origin only: scripts, styles and API calls come from this server, nothing from a CDN. Inline
 * style attributes stay allowed (the DAG canvas positions its nodes with them); inline scripts do not.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function setConsoleHeaders(res: Response, path: string): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Hashed asset names never change content; index.html must be fetched anew to pick up a new build.
  res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
}

/** Serves the built web console (apps/console) at /console, with index.html for its client-side routes. */
@Module({})
export class ConsoleStaticModule {
  static forConfig(config: ServerConfig): DynamicModule {
    if (!existsSync(join(config.consoleDir, 'index.html'))) {
      new Logger('Console').warn(
        `no web console at ${config.consoleDir} (run npm run build, or set JOBNEST_CONSOLE_DIR): /console is not served`,
      );
      return { module: ConsoleStaticModule };
    }
    return {
      module: ConsoleStaticModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: config.consoleDir,
          serveRoot: '/console',
          serveStaticOptions: { setHeaders: setConsoleHeaders, index: 'index.html', fallthrough: true },
        }),
      ],
    };
  }
}

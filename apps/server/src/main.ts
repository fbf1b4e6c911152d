import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError, installProcessGuards } from '@jobnest/common';
import { migrateDatabase } from '@jobnest/persistence';
import { AppModule } from './app.module';
import { ServerConfig } from './platform/config/server-config';
import { ApiExceptionFilter } from './platform/http/api-exception.filter';
import { JsonDepthPipe } from './platform/http/json-depth.pipe';

/** Largest JSON request body; a larger one gets 413. */
const JSON_BODY_LIMIT = '4mb';

async function bootstrap(): Promise<void> {
  const config = new ServerConfig();
  const logger = new Logger('Bootstrap');
  if (config.devMode) {
    logger.warn(
      'JOBNEST_DEV=1: development mode, not for a network' +
        (config.tokenSecretIsEphemeral
          ? '; JOBNEST_TOKEN_SECRET is unset, so tokens are signed with a random secret of this process and die with it'
          : ''),
    );
  }
  if (config.openRegistration)
    logger.warn('JOBNEST_OPEN_REGISTRATION=1: anyone who reaches this server can create an app');
  if (config.adminPassword === undefined)
    logger.warn('JOBNEST_ADMIN_PASSWORD is not set: bull-board (/admin/queues) is disabled');
  const applied = await migrateDatabase(config.mysqlUrl);
  if (applied.length > 0) logger.log(`migrations applied: ${applied.join(', ')}`);

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { bufferLogs: false });
  app.enableShutdownHooks();
  // Express's 100 kB default would refuse a bulk run (up to 1,000 runs) or one large instanceParams.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  // API answers are small and rarely repeated: hashing every body for an ETag costs more than it saves.
  const express = app.getHttpAdapter().getInstance() as { set(key: string, value: unknown): void };
  express.set('etag', false);
  // The client IP of rate limits: the socket's, or X-Forwarded-For's behind the proxies this setting trusts.
  express.set('trust proxy', config.trustProxy);
  app.useGlobalPipes(
    new JsonDepthPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new ApiExceptionFilter(app.get(HttpAdapterHost)));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Jobnest')
      .setDescription('Distributed job scheduler: apps, jobs, instances, logs and workers')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);

  await app.listen(config.port);
  logger.log(`server ${config.serverId} ready on http://127.0.0.1:${config.port} (Swagger: /api/docs)`);
}

// Before anything runs: errors nobody caught are logged, and an uncaught exception exits with code 1.
installProcessGuards('jobnest-server');
bootstrap().catch((err: unknown) => {
  const message =
    err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`jobnest-server: ${message}\n`);
  process.exit(1);
});

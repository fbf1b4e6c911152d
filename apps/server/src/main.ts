import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ConfigError } from '@jobnest/common';
import { migrateDatabase } from '@jobnest/persistence';
import { AppModule } from './app.module';
import { BOARD_PATH, QueueBoardService } from './board/queue-board.service';
import { ServerConfig } from './config/server-config';

async function bootstrap(): Promise<void> {
  const config = new ServerConfig();
  const logger = new Logger('Bootstrap');
  if (config.tokenSecretIsDefault) {
    logger.warn('JOBNEST_TOKEN_SECRET is not set: using the development secret (set one in production)');
  }
  const applied = await migrateDatabase(config.mysqlUrl);
  if (applied.length > 0) logger.log(`migrations applied: ${applied.join(', ')}`);

  const app = await NestFactory.create(AppModule.forConfig(config), { bufferLogs: false });
  app.enableShutdownHooks();
  // API answers are small and rarely repeated: hashing every body for an ETag costs more than it saves.
  (app.getHttpAdapter().getInstance() as { set(key: string, value: unknown): void }).set('etag', false);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));

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

  const board = app.get(QueueBoardService);
  if (board.enabled) app.use(BOARD_PATH, ...board.handlers());

  await app.listen(config.port);
  logger.log(`server ${config.serverId} ready on http://127.0.0.1:${config.port} (Swagger: /api/docs)`);
}

bootstrap().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`jobnest-server: ${message}\n`);
  process.exit(1);
});

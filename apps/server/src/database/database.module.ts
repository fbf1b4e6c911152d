import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppInfoEntity, InstanceInfoEntity, InstanceLogEntity, JobInfoEntity, JOBNEST_ENTITIES, TaskEntity } from '@jobnest/persistence';
import { ServerConfig } from '../config/server-config';

/** TypeORM over mysql2. Migrations already ran in main.ts (under a lock) before Nest starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ServerConfig],
      useFactory: (config: ServerConfig) => ({
        type: 'mysql' as const,
        url: config.mysqlUrl,
        entities: JOBNEST_ENTITIES,
        synchronize: false,
        migrationsRun: false,
        logging: ['error' as const],
        supportBigNumbers: true,
        bigNumberStrings: false,
        timezone: 'Z',
        poolSize: 20,
      }),
    }),
    TypeOrmModule.forFeature([AppInfoEntity, JobInfoEntity, InstanceInfoEntity, InstanceLogEntity, TaskEntity]),
  ],
  exports: [TypeOrmModule],
})
export class DatabaseModule {}

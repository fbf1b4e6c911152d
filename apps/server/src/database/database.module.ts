import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AppInfoEntity,
  InstanceInfoEntity,
  InstanceLogEntity,
  JobInfoEntity,
  jobnestDataSourceOptions,
  TaskEntity,
} from '@jobnest/persistence';
import { ServerConfig } from '../config/server-config';

/** TypeORM over mysql2. Migrations already ran in main.ts (under a lock) before Nest starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ServerConfig],
      useFactory: (config: ServerConfig) => ({
        ...jobnestDataSourceOptions(config.mysqlUrl, { poolSize: 20 }),
        migrationsRun: false,
      }),
    }),
    TypeOrmModule.forFeature([AppInfoEntity, JobInfoEntity, InstanceInfoEntity, InstanceLogEntity, TaskEntity]),
  ],
  exports: [TypeOrmModule],
})
export class DatabaseModule {}

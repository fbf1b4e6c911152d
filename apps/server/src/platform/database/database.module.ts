import { Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { JOBNEST_ENTITIES, jobnestDataSourceOptions, TaskStore } from '@jobnest/persistence';
import { ServerConfig } from '../config/server-config';
import { serverTaskStore } from './server-task-store';

/** TypeORM over mysql2, and the TaskStore over it. Migrations already ran in main.ts (under a lock) before Nest starts. */
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
    TypeOrmModule.forFeature(JOBNEST_ENTITIES),
  ],
  providers: [{ provide: TaskStore, inject: [getDataSourceToken()], useFactory: serverTaskStore }],
  exports: [TypeOrmModule, TaskStore],
})
export class DatabaseModule {}

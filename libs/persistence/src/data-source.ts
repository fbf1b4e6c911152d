import 'reflect-metadata';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import type { MysqlDataSourceOptions } from 'typeorm/driver/mysql/MysqlDataSourceOptions';
import { ConfigError } from '@jobnest/common';
import { AlarmChannelEntity } from './entities/alarm-channel.entity';
import { AlarmDeliveryEntity } from './entities/alarm-delivery.entity';
import { AlarmRuleEntity } from './entities/alarm-rule.entity';
import { AppGrantEntity } from './entities/app-grant.entity';
import { AppInfoEntity } from './entities/app-info.entity';
import { AuditEntryEntity } from './entities/audit-entry.entity';
import { ConsoleUserEntity } from './entities/console-user.entity';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity';
import { InstanceInfoEntity } from './entities/instance-info.entity';
import { InstanceLogEntity } from './entities/instance-log.entity';
import { JobInfoEntity } from './entities/job-info.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { TriggerCounters1764100000000 } from './migrations/1764100000000-trigger-counters';
import { TaskTable1764200000000 } from './migrations/1764200000000-task-table';
import { AppTokenVersion1764300000000 } from './migrations/1764300000000-app-token-version';
import { RetentionIndexes1764410000000 } from './migrations/1764410000000-retention-indexes';
import { JobLastCountedSlot1764420000000 } from './migrations/1764420000000-job-last-counted-slot';
import { InstanceWaitingForWorker1764430000000 } from './migrations/1764430000000-instance-waiting-for-worker';
import { Workflows1764500000000 } from './migrations/1764500000000-workflows';
import { UsersAndAudit1764600000000 } from './migrations/1764600000000-users-and-audit';
import { Alarms1764700000000 } from './migrations/1764700000000-alarms';
import { TaskApp1764800000000 } from './migrations/1764800000000-task-app';
import { AppStreamParts1764810000000 } from './migrations/1764810000000-app-stream-parts';
import { IdempotencyKeys1764900000000 } from './migrations/1764900000000-idempotency-keys';
import { FlowControl1764910000000 } from './migrations/1764910000000-flow-control';
import { FlowIndexDue1764920000000 } from './migrations/1764920000000-flow-index-due';
import { TaskEntity } from './entities/task.entity';
import { WorkflowInfoEntity } from './entities/workflow-info.entity';
import { WorkflowInstanceEntity } from './entities/workflow-instance.entity';

export const JOBNEST_ENTITIES = [
  AppInfoEntity,
  JobInfoEntity,
  InstanceInfoEntity,
  InstanceLogEntity,
  TaskEntity,
  WorkflowInfoEntity,
  WorkflowInstanceEntity,
  ConsoleUserEntity,
  AppGrantEntity,
  AuditEntryEntity,
  AlarmChannelEntity,
  AlarmRuleEntity,
  AlarmDeliveryEntity,
  IdempotencyKeyEntity,
];
export const JOBNEST_MIGRATIONS = [
  InitialSchema1764000000000,
  TriggerCounters1764100000000,
  TaskTable1764200000000,
  AppTokenVersion1764300000000,
  RetentionIndexes1764410000000,
  JobLastCountedSlot1764420000000,
  InstanceWaitingForWorker1764430000000,
  Workflows1764500000000,
  UsersAndAudit1764600000000,
  Alarms1764700000000,
  TaskApp1764800000000,
  AppStreamParts1764810000000,
  IdempotencyKeys1764900000000,
  FlowControl1764910000000,
  FlowIndexDue1764920000000,
];

/** Database name of a `mysql://user:pass@host:port/db` URL; throws a ConfigError naming `setting` when absent. */
export function databaseName(mysqlUrl: string, setting = 'JOBNEST_MYSQL_URL'): string {
  const name = decodeURIComponent(new URL(mysqlUrl).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) {
    throw new ConfigError(setting, `must name a database of letters, digits, '_' or '$' (got '${name}')`);
  }
  return name;
}

/** Creates the URL's database when it is missing (server start-up; migrations then create the tables). */
export async function ensureDatabase(mysqlUrl: string): Promise<void> {
  const name = databaseName(mysqlUrl);
  const url = new URL(mysqlUrl);
  url.pathname = '/';
  const conn = await createConnection(url.toString());
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
}

export interface JobnestDataSourceOptions {
  /** Pool size. (Default: 10) */
  poolSize?: number;
}

/** The connection options every Jobnest process uses (the server passes them to @nestjs/typeorm). */
export function jobnestDataSourceOptions(
  mysqlUrl: string,
  options: JobnestDataSourceOptions = {},
): MysqlDataSourceOptions {
  return {
    type: 'mysql',
    url: mysqlUrl,
    entities: JOBNEST_ENTITIES,
    migrations: JOBNEST_MIGRATIONS,
    migrationsTableName: 'jobnest_migrations',
    synchronize: false,
    logging: ['error'],
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
    poolSize: options.poolSize ?? 10,
    // mysql2 captures a stack trace on every query by default: measurable CPU on the hot paths, little use here.
    extra: { trace: false },
  };
}

/** A TypeORM data source over mysql2 with Jobnest's entities and migrations; `synchronize` is always off. */
export function createJobnestDataSource(mysqlUrl: string, options: JobnestDataSourceOptions = {}): DataSource {
  return new DataSource(jobnestDataSourceOptions(mysqlUrl, options));
}

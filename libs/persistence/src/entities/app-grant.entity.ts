import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a console user may do in an app, each role including the ones before it. */
export enum AppRole {
  /** Reads jobs, instances, logs, workflows and workers. */
  OBSERVER = 'OBSERVER',
  /** Adds run, stop, cancel, retry and mark-succeeded. */
  OPERATOR = 'OPERATOR',
  /** Adds create, edit, enable, disable and delete of jobs and workflows (an app-password token has this role). */
  DEVELOPER = 'DEVELOPER',
  /** Adds the app's grants and its audit log. */
  ADMIN = 'ADMIN',
}

/** The roles from least to most: a role holds every right of the roles before it. */
export const APP_ROLE_ORDER: readonly AppRole[] = [
  AppRole.OBSERVER,
  AppRole.OPERATOR,
  AppRole.DEVELOPER,
  AppRole.ADMIN,
];

/** Whether `held` includes the rights of `needed`. */
export function roleIncludes(held: AppRole, needed: AppRole): boolean {
  return APP_ROLE_ORDER.indexOf(held) >= APP_ROLE_ORDER.indexOf(needed);
}

/** One user's role in one app. */
@Entity({ name: 'app_grant' })
@Index('idx_app_grant_app', ['appId'])
export class AppGrantEntity {
  @PrimaryColumn({ name: 'user_id', type: 'int' })
  userId!: number;

  @PrimaryColumn({ name: 'app_id', type: 'int' })
  appId!: number;

  @Column({ type: 'varchar', length: 16 })
  role!: AppRole;

  @CreateDateColumn({ name: 'granted_at', type: 'datetime', precision: 3 })
  grantedAt!: Date;
}

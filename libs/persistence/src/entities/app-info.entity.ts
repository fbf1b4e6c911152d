import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant: jobs, instances and workers belong to one app; its password guards API tokens and worker boot. */
@Entity({ name: 'app_info' })
export class AppInfoEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Parts of the app's status and log streams (1-16; only grows): KeyLayout.appStreams, streamPartOf. */
  @Column({ name: 'stream_parts', type: 'int', default: 1 })
  streamParts!: number;

  /** Carried in API tokens; a password change increments it, so every token issued before stops verifying. */
  @Column({ name: 'token_version', type: 'int', default: 1 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

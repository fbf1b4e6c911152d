import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A person who logs in to the console or the API with a username and password; rights come from app grants. */
@Entity({ name: 'console_user' })
export class ConsoleUserEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  username!: string;

  /** `scrypt$<salt>$<key>` (see hashPassword in @jobnest/common). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Carried in the user's tokens; a password change or reset bumps it, so the tokens issued before stop verifying. */
  @Column({ name: 'token_version', type: 'int', default: 1 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}

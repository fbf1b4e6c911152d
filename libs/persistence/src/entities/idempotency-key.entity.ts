import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../column-transformers';

/**
 * An idempotency key of a job's API runs, while it lives: a second run with the same key answers `instanceId`
 * instead of creating an instance. The key is stored as its SHA-256 (exact bytes compare, whatever the table's
 * collation; the key itself is on the instance, `instance_info.idempotency_key`). (job_id, key_hash) is the primary
 * key: two servers claiming one key at once wait for each other on its row.
 */
@Entity({ name: 'idempotency_key' })
@Index('idx_idempotency_key_expires', ['expiresAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'job_id', type: 'int' })
  jobId!: number;

  @PrimaryColumn({ name: 'key_hash', type: 'binary', length: 32 })
  keyHash!: Buffer;

  /** The instance the key answers; 0 only inside the transaction that is claiming it. */
  @Column({ name: 'instance_id', type: 'bigint', transformer: bigintToNumber })
  instanceId!: number;

  /** Epoch ms (the claiming server's clock) after which the key is free again and retention deletes it. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintToNumber })
  expiresAt!: number;
}

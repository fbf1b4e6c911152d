import { Column, Entity, Index, PrimaryColumn, Generated } from 'typeorm';
import { LogLevel } from '@jobnest/common';
import { bigintToNumber } from '../column-transformers';

/** One online log line of an instance, shipped by a worker through the `logs` stream. */
@Entity({ name: 'instance_log' })
@Index('idx_log_instance', ['instanceId', 'id'])
@Index('idx_log_time', ['time'])
export class InstanceLogEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ name: 'instance_id', type: 'bigint', transformer: bigintToNumber })
  instanceId!: number;

  @Column({ type: 'bigint', transformer: bigintToNumber })
  time!: number;

  @Column({ type: 'varchar', length: 10 })
  level!: LogLevel;

  @Column({ name: 'worker_id', type: 'varchar', length: 100 })
  workerId!: string;

  @Column({ type: 'text' })
  message!: string;
}

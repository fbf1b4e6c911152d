import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CoalescingQueue, type ItemOutcome } from '../batching/coalescing-queue';

/** One audit row to write. */
export interface AuditRecord {
  appId: number | null;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: string | null;
  at: number;
}

/** Column widths of audit_log: longer values are cut, never refused (the call already happened). */
const LIMITS = { actor: 120, action: 64, targetType: 32, targetId: 120, detail: 1000 } as const;

function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/**
 * Writes audit rows. Calls answered together share one multi-row INSERT (group commit), so the audit log costs a
 * busy server a statement per batch, not per call; each caller still waits for its row to be written.
 */
@Injectable()
export class AuditRecorder {
  private readonly queue: CoalescingQueue<AuditRecord, void>;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.queue = new CoalescingQueue<AuditRecord, void>({
      flush: (records) => this.insert(records),
      maxBatchWeight: 500,
      maxInFlight: 1,
      maxQueuedWeight: 50_000,
    });
  }

  record(record: AuditRecord): Promise<void> {
    return this.queue.submit(record);
  }

  private async insert(records: AuditRecord[]): Promise<ItemOutcome<void>[]> {
    const values: unknown[] = [];
    for (const r of records) {
      values.push(
        r.appId,
        cut(r.actor, LIMITS.actor),
        cut(r.action, LIMITS.action),
        cut(r.targetType, LIMITS.targetType),
        r.targetId === null ? null : cut(r.targetId, LIMITS.targetId),
        r.detail === null ? null : cut(r.detail, LIMITS.detail),
        r.at,
      );
    }
    await this.db.query(
      `INSERT INTO audit_log (app_id, actor, action, target_type, target_id, detail, at) VALUES ${records
        .map(() => '(?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      values,
    );
    return records.map(() => ({ ok: true, value: undefined }));
  }
}

import type { DataSource } from 'typeorm';
import { deleteInBatches, type KeepGoing } from './batched-delete';

/**
 * Deletes the online log lines written (worker clock) more than `retentionMs` before `now`, whatever their
 * instance's status: a long-running instance keeps only its recent lines. Uses `idx_log_time`.
 * `retentionMs` 0 keeps every line. Returns the number of lines deleted.
 */
export async function purgeExpiredLogs(
  dataSource: DataSource,
  retentionMs: number,
  now: number,
  keepGoing?: KeepGoing,
): Promise<number> {
  if (retentionMs === 0) return 0;
  return deleteInBatches(dataSource, 'DELETE FROM instance_log WHERE time < ?', [now - retentionMs], keepGoing);
}

import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** An idempotency key of one job's runs, and how long it lives once claimed. */
export interface JobIdempotencyKey {
  jobId: number;
  key: string;
  ttlMs: number;
}

/** The identity of a job's key in maps: the job and the key. */
export function idempotencyKeyId(jobId: number, key: string): string {
  return `${jobId}\u0000${key}`;
}

/** What claim() found for a key: the live instance it answers, or `claimed` (the caller's to fill or release). */
export type KeyClaim = { kind: 'held'; instanceId: number } | { kind: 'claimed' };

function hashOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The `idempotency_key` table, used inside a launch transaction: claim the keys of a batch's runs, record the
 * instances created for the keys it won, release the ones no accepted run took. Rows are claimed and locked in
 * (job, hash) order, so two batches never wait for each other in a cycle; a second server claiming a key another
 * holds uncommitted waits for that COMMIT and then finds its instance.
 */
@Injectable()
export class IdempotencyKeys {
  /**
   * Claims `keys` (distinct) in `tx`: one INSERT ... ON DUPLICATE KEY UPDATE that takes a new or expired key
   * (instance 0, the caller's until record()) and leaves a live one as it is, then one locking read of what each
   * key holds now.
   */
  async claim(tx: EntityManager, keys: readonly JobIdempotencyKey[], now: number): Promise<Map<string, KeyClaim>> {
    const claims = new Map<string, KeyClaim>();
    if (keys.length === 0) return claims;
    const sorted = keys
      .map((k) => ({ ...k, hash: hashOf(k.key) }))
      .sort((a, b) => a.jobId - b.jobId || Buffer.compare(a.hash, b.hash));
    // Both assignments test the stored expires_at, which the first leaves alone: the same under left-to-right and
    // simultaneous assignment (MariaDB's SIMULTANEOUS_ASSIGNMENT mode).
    await tx.query(
      `INSERT INTO idempotency_key (job_id, key_hash, instance_id, expires_at) VALUES ${sorted.map(() => '(?, ?, 0, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE
         instance_id = IF(expires_at <= ?, 0, instance_id),
         expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)`,
      [...sorted.flatMap((k) => [k.jobId, k.hash, now + k.ttlMs]), now, now],
    );
    const rows = (await tx.query(
      `SELECT job_id AS jobId, key_hash AS keyHash, instance_id AS instanceId FROM idempotency_key
        WHERE job_id IN (${[...new Set(sorted.map((k) => k.jobId))].map(() => '?').join(', ')})
          AND key_hash IN (${sorted.map(() => '?').join(', ')}) FOR UPDATE`,
      [...new Set(sorted.map((k) => k.jobId)), ...sorted.map((k) => k.hash)],
    )) as { jobId: number | string; keyHash: Buffer; instanceId: number | string }[];
    const held = new Map(rows.map((r) => [`${Number(r.jobId)}:${r.keyHash.toString('hex')}`, Number(r.instanceId)]));
    for (const k of sorted) {
      const instanceId = held.get(`${k.jobId}:${k.hash.toString('hex')}`) ?? 0;
      // Instance 0 can only be this transaction's own claim: another's is either committed filled, or still locked.
      claims.set(
        idempotencyKeyId(k.jobId, k.key),
        instanceId === 0 ? { kind: 'claimed' } : { kind: 'held', instanceId },
      );
    }
    return claims;
  }

  /** Points the keys this transaction claimed at the instances created for them (one statement). */
  async record(
    tx: EntityManager,
    filled: readonly { jobId: number; key: string; instanceId: number }[],
  ): Promise<void> {
    if (filled.length === 0) return;
    await tx.query(
      `INSERT INTO idempotency_key (job_id, key_hash, instance_id, expires_at) VALUES ${filled.map(() => '(?, ?, ?, 0)').join(', ')}
       ON DUPLICATE KEY UPDATE instance_id = VALUES(instance_id)`,
      filled.flatMap((k) => [k.jobId, hashOf(k.key), k.instanceId]),
    );
  }

  /** Gives back keys this transaction claimed but created no instance for (their launch was refused). */
  async release(tx: EntityManager, keys: readonly { jobId: number; key: string }[]): Promise<void> {
    if (keys.length === 0) return;
    await tx.query(
      `DELETE FROM idempotency_key WHERE instance_id = 0 AND (${keys.map(() => '(job_id = ? AND key_hash = ?)').join(' OR ')})`,
      keys.flatMap((k) => [k.jobId, hashOf(k.key)]),
    );
  }
}

import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Locks one row (SELECT ... FOR UPDATE by id) until `tx` ends, so launches of one job or workflow, from several
 * servers too, count its unfinished instances one after the other. Answers the row as locked (null: no such row).
 */
export function lockRow<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  id: number,
): Promise<T | null> {
  return tx
    .getRepository(target)
    .createQueryBuilder('r')
    .setLock('pessimistic_write')
    .where('r.id = :id', { id })
    .getOne();
}

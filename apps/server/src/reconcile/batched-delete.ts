import type { DataSource } from 'typeorm';

/** Rows one DELETE removes at most: short statements hold row locks briefly and keep the binlog entries small. */
export const ROWS_PER_DELETE = 1000;

/** Tells a purge loop whether to run another batch (false once the lease is lost or the server stops). */
export type KeepGoing = () => boolean;

/**
 * Runs `DELETE ... LIMIT 1000` (the statement must end without LIMIT; it is appended) until a statement deletes
 * fewer rows than the limit or `keepGoing` says stop. Returns the number of rows deleted.
 */
export async function deleteInBatches(
  dataSource: DataSource,
  deleteSql: string,
  params: unknown[],
  keepGoing: KeepGoing = () => true,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = (await dataSource.query(`${deleteSql} LIMIT ${ROWS_PER_DELETE}`, params)) as {
      affectedRows?: number;
    };
    const n = result.affectedRows ?? 0;
    deleted += n;
    if (n < ROWS_PER_DELETE || !keepGoing()) return deleted;
  }
}

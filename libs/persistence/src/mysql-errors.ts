/** The MySQL/MariaDB error code of `err` (TypeORM copies the driver's onto its QueryFailedError), if any. */
function codeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Another transaction held what this one needed (a deadlock, or a lock wait past its timeout): try again. */
export function isLockConflict(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** The row broke a unique key: someone inserted it (or its twin) first. */
export function isDuplicateEntry(err: unknown): boolean {
  return codeOf(err) === 'ER_DUP_ENTRY';
}

/** The row names a parent row that does not exist (a foreign key): it was deleted meanwhile. */
export function isMissingParentRow(err: unknown): boolean {
  return codeOf(err) === 'ER_NO_REFERENCED_ROW_2' || codeOf(err) === 'ER_NO_REFERENCED_ROW';
}

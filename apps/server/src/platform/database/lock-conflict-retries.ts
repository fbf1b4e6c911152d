import { isLockConflict } from '@jobnest/persistence';

/**
 * Runs `attempt` again when it lost a lock conflict (a deadlock or a lock wait timeout), up to `attempts` times in
 * all; any other error, or the last conflict, is thrown. `attempt` must be safe to run again from the start (a
 * transaction that rolled back).
 */
export async function retryLockConflicts<T>(attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      if (tried >= attempts || !isLockConflict(err)) throw err;
    }
  }
}

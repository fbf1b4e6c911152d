import type { DataSource } from 'typeorm';
import { createJobnestDataSource, ensureDatabase } from './data-source';

const MIGRATION_LOCK = 'jobnest_migrations';

/**
 * Creates the database when missing and runs pending migrations under a MySQL named lock, so several servers
 * starting at once do not run the same migration twice.
 */
export async function migrateDatabase(mysqlUrl: string, lockTimeoutSeconds = 60): Promise<string[]> {
  await ensureDatabase(mysqlUrl);
  const ds: DataSource = createJobnestDataSource(mysqlUrl, { poolSize: 2 });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS got', [MIGRATION_LOCK, lockTimeoutSeconds])) as {
      got: number | null;
    }[];
    if (row?.got !== 1)
      throw new Error(`could not take the migration lock '${MIGRATION_LOCK}' within ${lockTimeoutSeconds}s`);
    try {
      const done = await ds.runMigrations({ transaction: 'each' });
      return done.map((m) => m.name);
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}

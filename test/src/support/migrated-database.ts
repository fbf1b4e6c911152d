import { after, before } from 'node:test';
import type { DataSource } from 'typeorm';
import { createJobnestDataSource, migrateDatabase } from '@jobnest/persistence';
import { TestNamespace } from './isolated-namespace';

/**
 * For store tests that need MariaDB and no process: registers before/after hooks in the calling suite that migrate a
 * database of the suite's own and drop it afterwards. `db()` is the open data source (inside tests only).
 */
export function migratedDatabase(): { ns: TestNamespace; db: () => DataSource } {
  const ns = new TestNamespace();
  let source: DataSource | undefined;
  before(async () => {
    await migrateDatabase(ns.mysqlUrl);
    source = createJobnestDataSource(ns.mysqlUrl);
    await source.initialize();
  });
  after(async () => {
    await source?.destroy();
    await ns.drop();
  });
  return {
    ns,
    db: () => {
      if (!source) throw new Error('the test database is opened in before()');
      return source;
    },
  };
}

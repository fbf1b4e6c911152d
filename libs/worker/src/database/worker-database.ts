import { Injectable } from '@nestjs/common';
import { errorMessage, verifyPassword } from '@jobnest/common';
import { AppInfoEntity, createJobnestDataSource } from '@jobnest/persistence';
import type { DataSource } from 'typeorm';
import { DatabaseNotReadyError, InvalidCredentialsError, ServiceUnreachableError } from '../errors';
import { WorkerConfig } from '../options/worker-config';
import { redactUrl } from '../util/redact-url';
import { WorkerLogger } from '../util/worker-logger';
import { TaskStore } from '@jobnest/persistence';
import type { VerifiedApp } from '../auth/verified-app';

/** mysql2 error codes that mean "the server answers but the Jobnest schema is not there". */
const SCHEMA_MISSING: Record<string, string> = {
  ER_BAD_DB_ERROR: 'the database does not exist',
  ER_NO_SUCH_TABLE: 'table app_info does not exist',
};

/**
 * The worker's MySQL pool: checks the app's credentials once at boot, then serves the Map/MapReduce task
 * table (TaskStore).
 */
@Injectable()
export class WorkerDatabase {
  private readonly logger = new WorkerLogger(WorkerDatabase.name, () => this.config.knownWorkerId);
  private source: DataSource | undefined;
  private store: TaskStore | undefined;
  private retryWindowMs = 0;

  constructor(private readonly config: WorkerConfig) {}

  /** The open data source; only after connect(). */
  get dataSource(): DataSource {
    if (!this.source) throw new Error('the Jobnest worker database is not connected yet');
    return this.source;
  }

  /** The task table's statements, shared by this worker's TaskTracker and ProcessorTracker; only after connect(). */
  get tasks(): TaskStore {
    if (!this.store) throw new Error('the Jobnest worker database is not connected yet');
    return this.store;
  }

  /** `retryWindowMs`: how long a task-table statement is retried while MySQL is unreachable (see TaskStore). */
  async connect(mysqlUrl: string, retryWindowMs: number): Promise<void> {
    const source = createJobnestDataSource(mysqlUrl, { poolSize: 6 });
    try {
      await source.initialize();
    } catch (err) {
      throw this.translate(err, mysqlUrl);
    }
    this.source = source;
    this.retryWindowMs = retryWindowMs;
  }

  /** Opens the task table's statements for the worker's app: each one filters on it (TaskStore's appId). */
  openTasks(appId: number): void {
    this.store = new TaskStore(
      this.dataSource,
      this.retryWindowMs,
      new WorkerLogger(TaskStore.name, () => this.config.knownWorkerId),
      appId,
    );
  }

  /**
   * Resolves the app id from the app table (needs SELECT on app_info; see the serverUrl option for a worker without
   * it); throws InvalidCredentialsError for an unknown app or a wrong password.
   */
  async verifyCredentials(appName: string, password: string, mysqlUrl: string): Promise<VerifiedApp> {
    let app: AppInfoEntity | null;
    try {
      app = await this.dataSource.getRepository(AppInfoEntity).findOne({ where: { name: appName } });
    } catch (err) {
      throw this.translate(err, mysqlUrl);
    }
    // Same answer for both cases: the error must not tell which app names exist.
    if (!app || !(await verifyPassword(password, app.passwordHash))) throw new InvalidCredentialsError(appName);
    return { appId: app.id, streamParts: app.streamParts };
  }

  async close(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    this.store = undefined;
    if (!source?.isInitialized) return;
    try {
      await source.destroy();
    } catch (err) {
      this.logger.warn(`closing the MySQL pool failed: ${errorMessage(err)}`);
    }
  }

  private translate(err: unknown, mysqlUrl: string): Error {
    const code = (err as { code?: unknown } | null)?.code;
    const message = errorMessage(err);
    if (typeof code === 'string' && SCHEMA_MISSING[code]) {
      return new DatabaseNotReadyError(`${SCHEMA_MISSING[code]} at ${redactUrl(mysqlUrl)}`);
    }
    // A MySQL user granted the task table alone cannot read the app table: say what to do about it.
    const hint =
      code === 'ER_TABLEACCESS_DENIED_ERROR'
        ? ' (a worker whose MySQL user has only the task table checks its app with a server: set serverUrl, JOBNEST_SERVER_URL)'
        : '';
    return new ServiceUnreachableError(
      'MySQL',
      redactUrl(mysqlUrl),
      `${typeof code === 'string' ? `${code}: ${message}` : message}${hint}`,
    );
  }
}

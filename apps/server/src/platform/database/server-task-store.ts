import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { TaskStore } from '@jobnest/persistence';

/**
 * The server's TaskStore (task listing, retention). No retry window: its statements fail at once, as they did before
 * the store held them, and their callers try again (the client's next request, the next retention pass).
 */
export function serverTaskStore(dataSource: DataSource): TaskStore {
  return new TaskStore(dataSource, 0, new Logger(TaskStore.name));
}

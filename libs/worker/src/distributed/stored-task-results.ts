import { TaskStatus } from '@jobnest/common';
import type { TaskStore } from '@jobnest/persistence';
import type { TaskResultEntry, TaskResultSet } from '../processor/processor.interfaces';

const PAGE_SIZE = 1000;

/** The subtask results of an instance, read from MySQL one page (by id) at a time as they are iterated. */
export class StoredTaskResults implements TaskResultSet {
  constructor(
    private readonly store: Pick<TaskStore, 'resultsPage'>,
    private readonly instanceId: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<TaskResultEntry> {
    let after = 0;
    for (;;) {
      const page = await this.store.resultsPage(this.instanceId, after, PAGE_SIZE);
      if (page.length === 0) return;
      for (const r of page) {
        yield {
          taskId: String(r.id),
          taskName: r.taskName,
          success: r.status === TaskStatus.SUCCEEDED,
          result: r.result,
        };
      }
      after = page[page.length - 1]!.id;
    }
  }

  async toArray(): Promise<TaskResultEntry[]> {
    const all: TaskResultEntry[] = [];
    for await (const entry of this) all.push(entry);
    return all;
  }
}

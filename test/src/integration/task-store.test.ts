import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InstanceStatus, TaskStatus } from '@jobnest/common';
import { TaskStore } from '@jobnest/persistence';
import { clearTables, insertInstance, insertTasks } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';

const quiet = { log: () => undefined, warn: () => undefined };

/**
 * Every statement on the task table lives in TaskStore (the worker's run bookkeeping, the server's listing and
 * retention); here against real MariaDB. Statements are safe to run twice, and bounded ones stay bounded.
 */
describe('task store', () => {
  const database = migratedDatabase();
  let tasks: TaskStore;

  beforeEach(async () => {
    await clearTables(database.db());
    tasks = new TaskStore(database.db(), 0, quiet);
  });

  it("confines a worker's store to its app: another app's rows are neither read, moved nor deleted", async () => {
    const mine = new TaskStore(database.db(), 0, quiet, 7);
    const theirs = new TaskStore(database.db(), 0, quiet, 8);
    await mine.insertRoot(5, 'ROOT', 1);
    await mine.insertSubtasks(5, null, 'root:0', 'ITEM', ['a', 'b'], 1);
    const [, a, b] = await mine.fetchWaiting(5, 0, 10);
    const rows = (await database.db().query('SELECT DISTINCT app_id FROM task WHERE instance_id = 5')) as {
      app_id: number;
    }[];
    assert.deepEqual(rows, [{ app_id: 7 }], 'the inserts carry the app');

    assert.deepEqual(await theirs.fetchWaiting(5, 0, 10), []);
    assert.deepEqual(await theirs.counts(5), { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 });
    assert.deepEqual(await theirs.unfinishedIds(5, [a!.id, b!.id]), new Set());
    assert.deepEqual(await theirs.resultsPage(5, 0, 10), []);
    assert.equal((await theirs.page(5, undefined, 0, 10)).total, 0);
    await theirs.applyOutcomes(5, [{ id: a!.id, status: TaskStatus.SUCCEEDED, result: 'x', failures: 0 }], 'w', 2);
    await theirs.fail(5, [b!.id], 'no', 2);
    await theirs.failUnfinished(5, 'no', 2);
    await theirs.deleteInstance(5);
    assert.deepEqual(await mine.counts(5), { total: 3, waiting: 3, running: 0, succeeded: 0, failed: 0 }, 'untouched');
    // And its own store does all of it (the app condition's parameter lines up in every statement).
    await mine.markDispatched(5, [b!.id], 'w', 3);
    assert.deepEqual(await mine.unfinishedIds(5, [a!.id, b!.id]), new Set([a!.id, b!.id]));
    await mine.applyOutcomes(5, [{ id: a!.id, status: TaskStatus.SUCCEEDED, result: 'A', failures: 0 }], 'w', 4);
    await mine.fail(5, [b!.id], 'gone', 4);
    assert.equal((await mine.page(5, TaskStatus.SUCCEEDED, 0, 10)).total, 1);
    assert.deepEqual(
      (await mine.resultsPage(5, 0, 10)).map((r) => [r.status, r.result]),
      [
        [TaskStatus.SUCCEEDED, 'A'],
        [TaskStatus.FAILED, 'gone'],
      ],
    );
    // The server's store (no app) sees every app's rows.
    assert.equal((await tasks.counts(5)).total, 3);
    // Rows of app 0 (written by workers older than the column) are every app's: a takeover by a newer worker sees them.
    await tasks.insertSubtasks(6, null, 'root:0', 'ITEM', ['old'], 1);
    assert.equal((await theirs.fetchWaiting(6, 0, 10)).length, 1);
    assert.equal((await mine.counts(6)).total, 1);
  });

  it('stores a map once, however often it is replayed, and reads waiting tasks from a cursor', async () => {
    await tasks.insertRoot(1, 'ROOT', 10);
    await tasks.insertRoot(1, 'ROOT', 11);
    const payloads = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ i }));
    const first = await tasks.insertSubtasks(1, null, 'root:0', 'ITEM', payloads, 20);
    assert.equal(first.inserted, 2500);
    assert.ok(first.firstId > 0);
    assert.deepEqual(await tasks.insertSubtasks(1, null, 'root:0', 'ITEM', payloads, 30), { inserted: 0, firstId: 0 });

    const waiting = await tasks.fetchWaiting(1, 0, 3);
    assert.equal(waiting.length, 3);
    assert.equal(waiting[0]?.isRoot, true);
    assert.equal(waiting[1]?.payload, '{"i":0}');
    const next = await tasks.fetchWaiting(1, waiting[2]!.id, 5000);
    assert.equal(next.length, 2501 - 3);
    assert.deepEqual(await tasks.counts(1), { total: 2501, waiting: 2501, running: 0, succeeded: 0, failed: 0 });
  });

  it('applies results to unfinished rows only, so a status never moves back', async () => {
    await tasks.insertSubtasks(2, null, 'root:0', 'ITEM', ['a', 'b', 'c'], 1);
    const [a, b, c] = await tasks.fetchWaiting(2, 0, 10);
    await tasks.applyOutcomes(
      2,
      [
        { id: a!.id, status: TaskStatus.SUCCEEDED, result: 'A', failures: 0 },
        { id: b!.id, status: TaskStatus.WAITING_DISPATCH, result: 'retry', failures: 1 },
      ],
      'w1',
      5,
    );
    await tasks.applyOutcomes(2, [{ id: a!.id, status: TaskStatus.FAILED, result: 'late', failures: 1 }], 'w2', 6);
    await tasks.fail(2, [c!.id], 'worker died', 7);
    assert.deepEqual(await tasks.counts(2), { total: 3, waiting: 1, running: 0, succeeded: 1, failed: 1 });
    assert.deepEqual(await tasks.unfinishedIds(2, [a!.id, b!.id, c!.id]), new Set([b!.id]));
    const results = await tasks.resultsPage(2, 0, 10);
    assert.deepEqual(
      results.map((r) => [r.status, r.result]),
      [
        [TaskStatus.SUCCEEDED, 'A'],
        [TaskStatus.WAITING_DISPATCH, 'retry'],
        [TaskStatus.FAILED, 'worker died'],
      ],
    );
  });

  it('lists an instance’s tasks by id, a page at a time, optionally by status', async () => {
    await tasks.insertRoot(3, 'ROOT', 100);
    await tasks.insertSubtasks(3, 1, 'root:0', 'ITEM', ['x'.repeat(2000), 'y', 'z'], 200);
    await tasks.insertSubtasks(4, null, 'root:0', 'OTHER', ['q'], 300);
    const all = await tasks.fetchWaiting(3, 0, 10);
    await tasks.applyOutcomes(
      3,
      [{ id: all[2]!.id, status: TaskStatus.SUCCEEDED, result: 'done', failures: 0 }],
      'w1',
      400,
    );

    const page = await tasks.page(3, undefined, 1, 2);
    assert.equal(page.total, 4);
    assert.deepEqual(
      page.rows.map((r) => r.id),
      [all[1]!.id, all[2]!.id],
    );
    assert.deepEqual(page.rows[1], {
      id: all[2]!.id,
      parentId: 1,
      taskName: 'ITEM',
      status: TaskStatus.SUCCEEDED,
      workerId: 'w1',
      attempt: 1,
      failures: 0,
      payload: 'y',
      result: 'done',
      createdTime: 200,
      updatedTime: 400,
    });
    assert.equal(page.rows[0]?.payload?.length, 2000, 'the store returns the whole payload; the API shortens it');
    assert.equal((await tasks.page(3, undefined, 0, 10)).rows[0]?.parentId, null);
    const succeeded = await tasks.page(3, TaskStatus.SUCCEEDED, 0, 10);
    assert.deepEqual(
      succeeded.rows.map((r) => r.id),
      [all[2]!.id],
    );
    assert.equal(succeeded.total, 1);
    assert.deepEqual(await tasks.page(99, undefined, 0, 10), { rows: [], total: 0 });
  });

  it('finds the finished instances past a cutoff that still have tasks, and purges in bounded statements', async () => {
    const db = database.db();
    const old = await insertInstance(db, 1, { status: InstanceStatus.SUCCEEDED, finishedTime: 1000 });
    const recent = await insertInstance(db, 1, { status: InstanceStatus.FAILED, finishedTime: 9000 });
    const running = await insertInstance(db, 1, { status: InstanceStatus.RUNNING });
    const empty = await insertInstance(db, 1, { status: InstanceStatus.SUCCEEDED, finishedTime: 1000 });
    await insertTasks(db, old, 2500);
    await insertTasks(db, recent, 5);
    await insertTasks(db, running, 5, 'WAITING_DISPATCH');
    assert.deepEqual(await tasks.finishedInstancesWithTasks(5000, 100), [old]);
    assert.ok(empty > 0);

    assert.equal(await tasks.purgeInstances([old], () => false), 1000, 'stops between statements when told to');
    assert.equal(await tasks.purgeInstances([old, recent]), 1505);
    assert.equal(await tasks.purgeInstances([]), 0);
    assert.deepEqual(await tasks.counts(old), { total: 0, waiting: 0, running: 0, succeeded: 0, failed: 0 });
    assert.equal((await tasks.counts(running)).total, 5);
  });
});

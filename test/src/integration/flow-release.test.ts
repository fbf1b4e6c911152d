import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceStatus } from '@jobnest/common';
import type { JobInfoEntity } from '@jobnest/persistence';
import {
  FlowGate,
  FlowStateRepository,
  InstanceEvents,
  type DispatcherService,
  type RunCommandSource,
} from '@jobnest/server/internal';
import { clearTables, insertInstance, insertJob } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';

/** A RunInstance the gate asked the dispatcher to send. */
interface SentRun {
  instance: RunCommandSource;
  workerId: string;
  runningTimes: number;
}

/**
 * What a release reads and writes, against real MariaDB: the running counts of the keys it was asked for, and the
 * RunInstance columns of what it lets through, read with the candidates or, when a row changed meanwhile, read back.
 */
describe('flow control releases', () => {
  const database = migratedDatabase();
  const state = new FlowStateRepository();
  let job: JobInfoEntity;

  beforeEach(async () => {
    await clearTables(database.db());
    job = await insertJob(database.db(), 1);
    await database.db().query('UPDATE job_info SET concurrency_limit = 1 WHERE id = ?', [job.id]);
  });

  /** An instance of the job under key `key`: running (let through), or held behind it with `params`. */
  async function instanceOf(key: string, how: 'running' | 'held' | 'not admitted', params?: string): Promise<number> {
    const id = await insertInstance(database.db(), job.id, {
      status: how === 'running' ? InstanceStatus.RUNNING : InstanceStatus.WAITING_DISPATCH,
      runningTimes: how === 'running' ? 1 : 0,
    });
    await database
      .db()
      .query(
        'UPDATE instance_info SET flow_key = ?, held_by = ?, admitted_time = ?, instance_params = ? WHERE id = ?',
        [key, how === 'held' ? 'CONCURRENCY' : null, how === 'running' ? 1 : null, params ?? null, id],
      );
    return id;
  }

  describe('FlowStateRepository.readRunning', () => {
    it('counts every key, or only the keys asked for and whether anything else runs', async () => {
      await instanceOf('a', 'running');
      await instanceOf('a', 'running');
      await instanceOf('b', 'running');
      await instanceOf('c', 'held');
      await instanceOf('d', 'not admitted');
      const manager = database.db().manager;
      const all = await state.readRunning(manager, job.id, 0, Date.now());
      assert.deepEqual([...all.keys].map(([k, s]) => [k, s.running]).sort(), [
        ['a', 2],
        ['b', 1],
      ]);
      assert.equal(all.running, 3);

      const some = await state.readRunning(manager, job.id, 0, Date.now(), ['b', 'c']);
      assert.deepEqual(
        [...some.keys].map(([k, s]) => [k, s.running]),
        [['b', 1]],
        'a held key runs nothing; key a was not asked for',
      );
      assert.equal(some.running, 1, 'something of the job runs');

      const idle = await state.readRunning(manager, job.id, 0, Date.now(), ['c', 'd']);
      assert.equal(idle.keys.size, 0);
      assert.equal(idle.running, 1, 'keys a and b still run, though not asked for');
      await database.db().query("UPDATE instance_info SET status = 'SUCCEEDED' WHERE status = 'RUNNING'");
      assert.equal((await state.readRunning(manager, job.id, 0, Date.now(), ['a'])).running, 0, 'nothing runs');
    });
  });

  describe('FlowStateRepository.admit', () => {
    it('answers the rows it let through, from the candidates as read, or read back when one changed meanwhile', async () => {
      const first = await instanceOf('a', 'held', '{"n":1}');
      const second = await instanceOf('b', 'held', '{"n":2}');
      const now = Date.now();
      await database.db().transaction(async (tx) => {
        const candidates = await state.waiting(tx, job.id, { only: ['a', 'b'] }, false, 1, now, true);
        assert.deepEqual(
          candidates.map((c) => [c.id, c.run?.instanceParams, c.run?.runningTimes]),
          [
            [first, '{"n":1}', 0],
            [second, '{"n":2}', 0],
          ],
        );
        const known = new Map(candidates.map((c) => [c.id, c]));
        const admitted = await state.admit(tx, new Map([[first, 'w1']]), now, known);
        assert.deepEqual(
          admitted.map((r) => [r.id, r.workerId, r.runningTimes, r.instanceParams, r.resumeNext]),
          [[first, 'w1', 1, '{"n":1}', false]],
        );
      });
      // A row canceled after the candidates were read: the UPDATE passes it by, and only the row it changed is sent.
      const third = await instanceOf('c', 'held', '{"n":3}');
      await database.db().transaction(async (tx) => {
        const candidates = await state.waiting(tx, job.id, { only: ['b', 'c'] }, false, 1, now, true);
        await database
          .db()
          .query("UPDATE instance_info SET status = 'CANCELED', held_by = NULL WHERE id = ?", [second]);
        const admitted = await state.admit(
          tx,
          new Map([
            [second, 'w1'],
            [third, 'w2'],
          ]),
          now + 1,
          new Map(candidates.map((c) => [c.id, c])),
        );
        assert.deepEqual(
          admitted.map((r) => [r.id, r.workerId, r.runningTimes, r.instanceParams]),
          [[third, 'w2', 1, '{"n":3}']],
        );
      });
      const rows = (await database
        .db()
        .query(
          'SELECT id, status, worker_id AS workerId, running_times AS runningTimes FROM instance_info ORDER BY id',
        )) as {
        id: number;
        status: string;
        workerId: string | null;
        runningTimes: number;
      }[];
      assert.deepEqual(
        rows.map((r) => [Number(r.id), r.status, r.workerId, Number(r.runningTimes)]),
        [
          [first, 'WAITING_WORKER_RECEIVE', 'w1', 1],
          [second, 'CANCELED', null, 0],
          [third, 'WAITING_WORKER_RECEIVE', 'w2', 1],
        ],
      );
    });
  });

  describe('FlowGate', () => {
    let gate: FlowGate;
    let sent: SentRun[];

    beforeEach(() => {
      sent = [];
      const dispatcher = {
        eligibleWorkers: () => ['w1'],
        sendRun: (instance: RunCommandSource, _job: unknown, workerId: string, runningTimes: number) => {
          sent.push({ instance, workerId, runningTimes });
          return Promise.resolve();
        },
        dispatchInBackground: () => undefined,
      } as unknown as DispatcherService;
      gate = new FlowGate(database.db(), state, dispatcher, new InstanceEvents());
    });

    afterEach(async () => {
      await gate.onApplicationShutdown();
    });

    /** Waits until `n` runs were sent (a release runs in the background). */
    async function sentRuns(n: number): Promise<SentRun[]> {
      for (let i = 0; i < 100 && sent.length < n; i++) await sleep(20);
      return sent;
    }

    it('lets the next instance of an ended key through, with what its RunInstance carries, key after key', async () => {
      const ended = await instanceOf('a', 'running');
      await instanceOf('b', 'running');
      const next = await instanceOf('a', 'held', '{"order":1}');
      const later = await instanceOf('a', 'held', '{"order":2}');
      const otherKey = await instanceOf('b', 'held', '{"order":3}');
      await database.db().query("UPDATE instance_info SET status = 'SUCCEEDED' WHERE id = ?", [ended]);
      gate.release(job.id, 'a');
      const [run] = await sentRuns(1);
      assert.equal(run?.instance.id, next, 'the oldest waiting instance of key a');
      assert.equal(run?.instance.instanceParams, '{"order":1}');
      assert.equal(run?.runningTimes, 1);
      assert.equal(run?.workerId, 'w1');
      // The next release of key a (its last one let something through, so it skips the pre-check) finds the key full.
      gate.release(job.id, 'a');
      await sleep(200);
      assert.equal(sent.length, 1, 'key a runs its limit: nothing more goes');
      // Key a's instance ends: the one behind it goes; key b's held instance waits for key b.
      await database.db().query("UPDATE instance_info SET status = 'SUCCEEDED' WHERE id = ?", [next]);
      gate.release(job.id, 'a');
      const runs = await sentRuns(2);
      assert.deepEqual(
        runs.map((r) => r.instance.id),
        [next, later],
      );
      const [held] = (await database
        .db()
        .query('SELECT held_by AS heldBy FROM instance_info WHERE id = ?', [otherKey])) as { heldBy: string | null }[];
      assert.equal(held?.heldBy, 'CONCURRENCY', "key b's instance still waits for key b");
    });
  });
});

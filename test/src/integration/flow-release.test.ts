import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceStatus } from '@jobnest/common';
import type { JobInfoEntity } from '@jobnest/persistence';
import type { EntityManager } from 'typeorm';
import {
  FlowGate,
  FlowStateRepository,
  InstanceEvents,
  type DispatcherService,
  type RunCommandSource,
} from '@jobnest/server/internal';
import { clearTables, insertInstance, insertJob } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';
import { RecordingFlowState } from '../support/recording-flow-state';

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
        const statements: string[] = [];
        const admitted = await state.admit(recording(tx, statements), new Map([[first, 'w1']]), now, known);
        assert.deepEqual(
          admitted.map((r) => [r.id, r.workerId, r.runningTimes, r.instanceParams, r.resumeNext]),
          [[first, 'w1', 1, '{"n":1}', false]],
        );
        assert.deepEqual(statements, ['UPDATE'], 'every row changed: nothing is read back');
      });
      // A row canceled after the candidates were read: the UPDATE passes it by, and only the row it changed is sent.
      const third = await instanceOf('c', 'held', '{"n":3}');
      await database.db().transaction(async (tx) => {
        const candidates = await state.waiting(tx, job.id, { only: ['b', 'c'] }, false, 1, now, true);
        // As a user's cancel ends it: the status only.
        await database.db().query("UPDATE instance_info SET status = 'CANCELED' WHERE id = ?", [second]);
        const statements: string[] = [];
        const admitted = await state.admit(
          recording(tx, statements),
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
        assert.deepEqual(statements, ['UPDATE', 'SELECT'], 'one row did not change: the changed ones are read back');
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
    let looked: RecordingFlowState;

    beforeEach(() => {
      sent = [];
      looked = new RecordingFlowState();
      const dispatcher = {
        eligibleWorkers: () => ['w1'],
        sendRun: (instance: RunCommandSource, _job: unknown, workerId: string, runningTimes: number) => {
          sent.push({ instance, workerId, runningTimes });
          return Promise.resolve();
        },
        dispatchInBackground: () => undefined,
      } as unknown as DispatcherService;
      gate = new FlowGate(database.db(), looked, dispatcher, new InstanceEvents());
    });

    afterEach(async () => {
      await gate.onApplicationShutdown();
    });

    /** Releases key `key` and waits until that release has decided (its running counts read `n` in all). */
    async function releaseKey(key: string, n: number): Promise<void> {
      gate.release(job.id, key);
      for (let i = 0; i < 200 && looked.runningReads.length < n; i++) await sleep(10);
      assert.equal(looked.runningReads.length, n, `release ${n} decided`);
      // Its COMMIT and sends follow the decision.
      await sleep(50);
    }

    it('lets the next instance of the ended key through, with what its RunInstance carries, and no other key', async () => {
      const ended = await instanceOf('a', 'running');
      const next = await instanceOf('a', 'held', '{"order":1}');
      const later = await instanceOf('a', 'held', '{"order":2}');
      // Key b has room and an instance waiting (its release was lost): not this release's to let through.
      const otherKey = await instanceOf('b', 'held', '{"order":3}');
      await database.db().query("UPDATE instance_info SET status = 'SUCCEEDED' WHERE id = ?", [ended]);
      await releaseKey('a', 1);
      assert.deepEqual(
        sent.map((r) => [r.instance.id, r.instance.instanceParams, r.runningTimes, r.workerId]),
        [[next, '{"order":1}', 1, 'w1']],
        'the oldest waiting instance of key a',
      );
      assert.deepEqual(
        looked.runningReads.map((r) => r.keys),
        [['a']],
        'the running counts of key a only',
      );
      assert.equal(looked.preChecks.length, 1);
      // Its last release let something through: the next one skips the pre-check, and finds key a full.
      await releaseKey('a', 2);
      assert.equal(looked.preChecks.length, 1, 'no pre-check while the job works off a backlog');
      assert.equal(sent.length, 1, 'key a runs its limit: nothing more goes');
      // That release let nothing through: the next one checks first again. Key a's instance ended: the next goes.
      await database.db().query("UPDATE instance_info SET status = 'SUCCEEDED' WHERE id = ?", [next]);
      await releaseKey('a', 3);
      assert.equal(looked.preChecks.length, 2);
      assert.deepEqual(
        sent.map((r) => r.instance.id),
        [next, later],
      );
      const [held] = (await database
        .db()
        .query('SELECT held_by AS heldBy FROM instance_info WHERE id = ?', [otherKey])) as { heldBy: string | null }[];
      assert.equal(held?.heldBy, 'CONCURRENCY', "key b's instance was left to a release of key b");
    });
  });
});

/** `tx`, recording the first word of each statement run through it. */
function recording(tx: EntityManager, statements: string[]): EntityManager {
  return new Proxy(tx, {
    get(target, property, receiver): unknown {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return (sql: string, params?: unknown[]) => {
        statements.push(sql.trim().split(/\s+/)[0]!.toUpperCase());
        return target.query(sql, params);
      };
    },
  });
}

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InstanceStatus, TimeExpressionType } from '@jobnest/common';
import { InstanceRepository } from '@jobnest/server/internal';
import { clearTables, insertInstance, insertJob } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';

/** The reads and inserts of `instance_info` the server's steps share, against real MariaDB. */
describe('instance repository', () => {
  const database = migratedDatabase();
  let instances: InstanceRepository;

  beforeEach(async () => {
    await clearTables(database.db());
    instances = new InstanceRepository(database.db());
  });

  it('counts a job’s unfinished instances and those waiting for a worker, from the index alone', async () => {
    const db = database.db();
    const job = await insertJob(db, 1);
    const other = await insertJob(db, 1);
    await insertInstance(db, job.id, { waitingForWorker: true });
    await insertInstance(db, job.id);
    await insertInstance(db, job.id, { status: InstanceStatus.RUNNING, workerId: 'w1', runningTimes: 1 });
    await insertInstance(db, job.id, { status: InstanceStatus.SUCCEEDED, finishedTime: 5 });
    await insertInstance(db, other.id, { waitingForWorker: true });
    const counts = await db.transaction((tx) => instances.countActiveOfJobs(tx, [job.id, other.id, 999]));
    assert.deepEqual(counts.get(job.id), { total: 3, waitingForWorker: 1 });
    assert.deepEqual(counts.get(other.id), { total: 1, waitingForWorker: 1 });
    assert.equal(counts.has(999), false, 'a job without unfinished instances is absent');
    assert.equal(await instances.countActiveOfJob(job.id), 3);

    const plan = (await db.query(
      `EXPLAIN SELECT COUNT(*), SUM(status = 'WAITING_DISPATCH' AND waiting_for_worker = 1) FROM instance_info
        WHERE job_id = ? AND status IN ('WAITING_DISPATCH', 'WAITING_WORKER_RECEIVE', 'RUNNING')`,
      [job.id],
    )) as { key: string | null; Extra: string | null }[];
    assert.equal(plan[0]?.key, 'idx_instance_job_status_waiting');
    assert.match(plan[0]?.Extra ?? '', /Using index/);
  });

  it('inserts a WAITING_DISPATCH instance, once per timer slot', async () => {
    const db = database.db();
    const job = await insertJob(db, 7);
    const row = { instanceParams: 'p', expectedTriggerTime: 60_000, triggerSlot: 60_000, statusReason: null, now: 1 };
    const [inserted] = await db.transaction((tx) => instances.insertMany(tx, [{ job, row }]));
    assert.ok(inserted);
    const read = await instances.findById(inserted.id);
    assert.equal(read?.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(read?.appId, 7);
    assert.equal(read?.triggerSlot, 60_000);
    assert.equal(read?.waitingForWorker, false);
    assert.equal(read?.runningTimes, 0);
    assert.deepEqual(
      [
        ...(await db.transaction((tx) =>
          instances.slotsWithInstances(tx, [
            { jobId: job.id, slot: 60_000 },
            { jobId: job.id, slot: 61_000 },
          ]),
        )),
      ],
      [`${job.id}:60000`],
    );
    await assert.rejects(
      db.transaction((tx) => instances.insertMany(tx, [{ job, row }])),
      (err: { code?: string }) => err.code === 'ER_DUP_ENTRY',
      'a replayed trigger creates nothing (the launcher reads the duplicate key)',
    );
    assert.equal(await instances.lastTriggerSlot(job.id), 60_000);
    assert.equal(await instances.lastTimedInstanceId(job.id), inserted.id);
    assert.equal(await instances.lastTriggerSlot(999), 0);
    assert.equal(await instances.lastTimedInstanceId(999), undefined);
  });

  it('inserts many rows in one statement and gives each entity the id MariaDB gave its row', async () => {
    const db = database.db();
    const job = await insertJob(db, 3);
    await insertInstance(db, job.id); // ids do not start at 1
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      job,
      row: {
        instanceParams: `p${i}`,
        expectedTriggerTime: 1000 + i,
        triggerSlot: null,
        statusReason: null,
        now: 1000,
        ...(i % 2 === 0 ? { dispatchedTo: `w${i % 3}` } : {}),
      },
    }));
    const inserted = await db.transaction((tx) => instances.insertMany(tx, rows));
    assert.equal(inserted.length, 1500);
    assert.equal(new Set(inserted.map((e) => e.id)).size, 1500, 'ids are distinct');
    const stored = (await db.query(
      'SELECT id, instance_params AS params, status, worker_id AS workerId, running_times AS runs, actual_trigger_time AS started FROM instance_info WHERE job_id = ? AND instance_params IS NOT NULL',
      [job.id],
    )) as {
      id: string;
      params: string;
      status: string;
      workerId: string | null;
      runs: number;
      started: string | null;
    }[];
    const byId = new Map(stored.map((r) => [Number(r.id), r]));
    inserted.forEach((e, i) => {
      const r = byId.get(e.id);
      assert.equal(r?.params, `p${i}`, `entity ${i} carries the id of its own row`);
      if (i % 2 === 0) {
        assert.equal(r?.status, InstanceStatus.WAITING_WORKER_RECEIVE, 'dispatched with its insert');
        assert.equal(r?.workerId, `w${i % 3}`);
        assert.equal(r?.runs, 1);
        assert.equal(Number(r?.started), 1000 + i, 'starts at its expected time when that is later');
      } else {
        assert.equal(r?.status, InstanceStatus.WAITING_DISPATCH);
        assert.equal(r?.workerId, null);
      }
    });
  });

  it('inserts all rows or none outside a transaction too, when they take several statements', async () => {
    const db = database.db();
    const job = await insertJob(db, 4);
    const row = (i: number, triggerSlot: number | null) => ({
      job,
      row: { instanceParams: `q${i}`, expectedTriggerTime: 1, triggerSlot, statusReason: null, now: 1 },
    });
    const one = await instances.insertMany(db.manager, [row(0, 5_000)]);
    assert.equal(one.length, 1, 'a single statement commits by itself');
    // The second statement (rows 1000+) meets the slot's unique key: the first one must be undone.
    const rows = Array.from({ length: 1200 }, (_, i) => row(i + 1, i === 1100 ? 5_000 : null));
    await assert.rejects(
      instances.insertMany(db.manager, rows),
      (err: { code?: string }) => err.code === 'ER_DUP_ENTRY',
    );
    const [counted] = (await db.query('SELECT COUNT(*) AS n FROM instance_info WHERE job_id = ?', [job.id])) as {
      n: string;
    }[];
    assert.equal(Number(counted?.n), 1, 'none of the 1,200 rows stayed');
  });

  it('reads an app’s instances only, newest first, filtered and paged', async () => {
    const db = database.db();
    const job = await insertJob(db, 1);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await insertInstance(db, job.id, { status: i % 2 ? InstanceStatus.FAILED : InstanceStatus.RUNNING }));
    }
    const foreign = await insertInstance(db, job.id, { appId: 2 });
    assert.equal((await instances.findOfApp(1, ids[0]!))?.id, ids[0]);
    assert.equal(await instances.findOfApp(1, foreign), null, 'another app’s instance reads like a missing one');
    const [page, total] = await instances.pageOfApp(1, {}, 1, 2);
    assert.equal(total, 5);
    assert.deepEqual(
      page.map((i) => i.id),
      [ids[3], ids[2]],
    );
    const [failed, failedTotal] = await instances.pageOfApp(1, { jobId: job.id, status: InstanceStatus.FAILED }, 0, 10);
    assert.equal(failedTotal, 2);
    assert.deepEqual(
      failed.map((i) => i.id),
      [ids[3], ids[1]],
    );
    const apps = await instances.appsOf([ids[0]!, foreign, 123_456_789]);
    assert.deepEqual(
      [...apps].sort((a, b) => a[0] - b[0]),
      [
        [ids[0], 1],
        [foreign, 2],
      ].sort((a, b) => a[0]! - b[0]!),
      'the app of each instance that exists',
    );
    assert.deepEqual(await instances.appsOf([]), new Map());
  });

  it('finds what the reconciler repairs: due waiting runs, unreceived runs, runs past their time limit', async () => {
    const db = database.db();
    const job = await insertJob(db, 1);
    const limited = await insertJob(db, 1, { instanceTimeLimitMs: 1000 });
    const later = await insertInstance(db, job.id, { expectedTriggerTime: 300 });
    const sooner = await insertInstance(db, job.id, { expectedTriggerTime: 100 });
    await insertInstance(db, job.id, { expectedTriggerTime: 10_000 });
    assert.deepEqual(await instances.dueWaitingIds(1000, 10), [sooner, later]);
    assert.deepEqual(await instances.dueWaitingIds(1000, 1), [sooner]);

    const young = await insertInstance(db, job.id, {
      status: InstanceStatus.WAITING_WORKER_RECEIVE,
      workerId: 'w2',
      statusTime: 900,
    });
    const old = await insertInstance(db, job.id, {
      status: InstanceStatus.WAITING_WORKER_RECEIVE,
      workerId: 'w1',
      statusTime: 100,
    });
    assert.deepEqual(
      (await instances.awaitingReceipt(10)).map((i) => i.id),
      [old, young],
    );
    assert.equal(await instances.currentWorker(old), 'w1');
    assert.equal(await instances.currentWorker(sooner), null);
    assert.equal(await instances.currentWorker(123_456_789), null);

    const overdue = await insertInstance(db, limited.id, {
      status: InstanceStatus.RUNNING,
      workerId: 'w3',
      statusTime: 1000,
    });
    await insertInstance(db, limited.id, { status: InstanceStatus.RUNNING, workerId: 'w3', statusTime: 6000 });
    // 1000 + 1000 ms limit + 5000 ms grace < 7001: overdue; the other run and the runs without a limit are not.
    assert.deepEqual(await instances.pastTimeLimit(7001, 5000, 10), [
      { id: overdue, appId: 1, workerId: 'w3', limitMs: 1000 },
    ]);
    assert.deepEqual(await instances.pastTimeLimit(7000, 5000, 10), []);
  });

  it('pages through every RUNNING instance along (expected time, id), without gaps or repeats', async () => {
    const db = database.db();
    const job = await insertJob(db, 1);
    const expected: number[] = [];
    for (const time of [500, 100, 100, 300, 100, 500, 200]) {
      const id = await insertInstance(db, job.id, { status: InstanceStatus.RUNNING, expectedTriggerTime: time });
      expected.push(id);
    }
    await insertInstance(db, job.id, { status: InstanceStatus.WAITING_DISPATCH, expectedTriggerTime: 100 });
    const times = new Map<number, number>();
    for (const id of expected) times.set(id, (await instances.findById(id))!.expectedTriggerTime);
    expected.sort((a, b) => times.get(a)! - times.get(b)! || a - b);

    const seen: number[] = [];
    let after: { expectedTriggerTime: number; id: number } | undefined;
    for (;;) {
      const page = await instances.runningPage(after, 2);
      seen.push(...page.map((i) => i.id));
      if (page.length < 2) break;
      const last = page[page.length - 1]!;
      after = { expectedTriggerTime: last.expectedTriggerTime, id: last.id };
    }
    assert.deepEqual(seen, expected);
  });

  it('finds the enabled FIXED_DELAY job of a timer-created instance, and nothing for any other', async () => {
    const db = database.db();
    const fixedDelay = await insertJob(db, 1, { timeExpressionType: TimeExpressionType.FIXED_DELAY });
    const disabled = await insertJob(db, 1, { timeExpressionType: TimeExpressionType.FIXED_DELAY, enabled: false });
    const timed = await insertInstance(db, fixedDelay.id, { triggerSlot: 1000 });
    const apiRun = await insertInstance(db, fixedDelay.id);
    const ofDisabled = await insertInstance(db, disabled.id, { triggerSlot: 1000 });
    assert.equal((await instances.fixedDelayJobOfTimedInstance(timed))?.id, fixedDelay.id);
    assert.equal(await instances.fixedDelayJobOfTimedInstance(apiRun), null);
    assert.equal(await instances.fixedDelayJobOfTimedInstance(ofDisabled), null);
  });
});

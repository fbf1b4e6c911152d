import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InstanceStatus } from '@jobnest/common';
import { FlowGate, InstanceEvents, type DispatcherService } from '@jobnest/server/internal';
import { clearTables, insertInstance, insertJob } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';
import { RecordingFlowState } from '../support/recording-flow-state';

/**
 * The reconciler's safety net against real MariaDB: with more jobs holding due instances than one pass releases,
 * the passes take turns, so every job gets its release.
 */
describe("the reconciler's flow release", () => {
  const database = migratedDatabase();
  let state: RecordingFlowState;
  let gate: FlowGate;
  let jobs: number[];

  beforeEach(async () => {
    await clearTables(database.db());
    state = new RecordingFlowState();
    // No worker is eligible (nothing is let through here: every key is full).
    const dispatcher = { eligibleWorkers: () => [] } as unknown as DispatcherService;
    gate = new FlowGate(database.db(), state, dispatcher, new InstanceEvents());
    jobs = [];
    // Five jobs at concurrency limit 1, each with key 'k' running and one instance of 'k' held: a release lets
    // nothing through, so every job stays due for the next pass.
    for (let i = 0; i < 5; i++) {
      const job = await insertJob(database.db(), 1);
      await database.db().query('UPDATE job_info SET concurrency_limit = 1 WHERE id = ?', [job.id]);
      const running = await insertInstance(database.db(), job.id, { status: InstanceStatus.RUNNING, runningTimes: 1 });
      const held = await insertInstance(database.db(), job.id);
      await database.db().query("UPDATE instance_info SET flow_key = 'k', admitted_time = 1 WHERE id = ?", [running]);
      await database
        .db()
        .query("UPDATE instance_info SET flow_key = 'k', held_by = 'CONCURRENCY' WHERE id = ?", [held]);
      jobs.push(job.id);
    }
  });

  it('lists the jobs with due held instances after a cursor, in id order', async () => {
    const manager = database.db().manager;
    assert.deepEqual(await state.jobsWithDueWaiting(manager, Date.now(), 2), jobs.slice(0, 2));
    assert.deepEqual(await state.jobsWithDueWaiting(manager, Date.now(), 2, jobs[1]), jobs.slice(2, 4));
    assert.deepEqual(await state.jobsWithDueWaiting(manager, Date.now(), 10, jobs[4]), []);
    assert.deepEqual(await state.jobsWithDueWaiting(manager, -1, 10), [], 'none is due before its expected time (0)');
  });

  it('releases them in turns across passes, wrapping around, each job once per turn', async () => {
    const passes: number[][] = [];
    for (let pass = 0; pass < 3; pass++) {
      state.runningReads.length = 0;
      assert.equal(await gate.releaseAllDue(2), 2);
      passes.push(state.runningReads.map((r) => r.jobId).sort((a, b) => a - b));
    }
    const [a, b, c, d, e] = jobs as [number, number, number, number, number];
    assert.deepEqual(passes, [[a, b], [c, d], [a, e].sort((x, y) => x - y)]);
    const [held] = (await database.db().query('SELECT COUNT(*) AS n FROM instance_info WHERE held_by IS NOT NULL')) as {
      n: number | string;
    }[];
    assert.equal(Number(held!.n), 5, 'nothing was let through: every key is full');
    await gate.onApplicationShutdown();
  });
});

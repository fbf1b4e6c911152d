import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InstanceStatus } from '@jobnest/common';
import { InstanceInfoEntity } from '@jobnest/persistence';
import {
  InstanceEvents,
  InstanceRepository,
  InstanceTransitions,
  MetricsService,
  type ActiveInstances,
} from '@jobnest/server/internal';
import { clearTables, insertJob } from '../support/instance-rows';
import { migratedDatabase } from '../support/migrated-database';

/**
 * The instance state machine against real MariaDB: every change is one conditional UPDATE, so whoever loses a race,
 * a late report or a replayed message changes nothing; an instance that ends is announced once.
 */
describe('instance transitions', () => {
  const database = migratedDatabase();
  let transitions: InstanceTransitions;
  let instances: InstanceRepository;
  let metrics: MetricsService;
  let ended: number[];

  beforeEach(async () => {
    await clearTables(database.db());
    const events = new InstanceEvents();
    ended = [];
    events.onFinished(({ id }) => ended.push(id));
    metrics = new MetricsService();
    transitions = new InstanceTransitions(database.db().getRepository(InstanceInfoEntity), metrics, events);
    instances = new InstanceRepository(database.db());
  });

  /** A fresh API run of a new job, as the launcher inserts it. */
  async function launched(): Promise<InstanceInfoEntity> {
    const job = await insertJob(database.db(), 1);
    const [instance] = await database.db().transaction((tx) =>
      instances.insertMany(tx, [
        {
          job,
          row: { instanceParams: null, expectedTriggerTime: 1000, triggerSlot: null, statusReason: null, now: 1000 },
        },
      ]),
    );
    assert.ok(instance);
    return instance;
  }

  async function activeOf(jobId: number): Promise<ActiveInstances | undefined> {
    return (await database.db().transaction((tx) => instances.countActiveOfJobs(tx, [jobId]))).get(jobId);
  }

  async function read(id: number): Promise<InstanceInfoEntity> {
    const row = await instances.findById(id);
    assert.ok(row, `instance ${id} exists`);
    return row;
  }

  it('dispatches an instance once, whoever else tries with the same row', async () => {
    const instance = await launched();
    const wins = await Promise.all(
      ['w1', 'w2', 'w3'].map((worker) => transitions.markDispatched(instance, worker, 2000, 2500)),
    );
    assert.deepEqual(
      wins.filter((w) => w),
      [true],
    );
    const row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_WORKER_RECEIVE);
    assert.equal(row.runningTimes, 1);
    assert.equal(row.workerId, ['w1', 'w2', 'w3'][wins.indexOf(true)]);
    assert.equal(row.actualTriggerTime, 2500, 'a run dispatched ahead starts at its slot');
    assert.equal(row.statusTime, 2000);
    assert.equal(await transitions.markDispatched(instance, 'w1', 3000), false, 'the stale row dispatches nothing');
  });

  it('marks an instance waiting for a worker, and every later change clears the mark', async () => {
    const instance = await launched();
    await transitions.markWaitingForWorker(instance.id, 'waiting for a worker: no live worker of the app');
    let row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.waitingForWorker, true);
    assert.equal(row.statusReason, 'waiting for a worker: no live worker of the app');
    assert.deepEqual(await activeOf(instance.jobId), { total: 1, waitingForWorker: 1 });

    assert.equal(await transitions.markDispatched(row, 'w1', 2000), true);
    row = await read(instance.id);
    assert.equal(row.waitingForWorker, false);
    assert.equal(row.statusReason, null);
    await transitions.markWaitingForWorker(instance.id, 'waiting for a worker: late');
    assert.equal((await read(instance.id)).waitingForWorker, false, 'only a WAITING_DISPATCH instance waits for one');
    assert.deepEqual(await activeOf(instance.jobId), { total: 1, waitingForWorker: 0 });

    // Back to WAITING_DISPATCH for the next run: waiting again, but not for a worker until a dispatch finds none.
    assert.equal(await transitions.requeueRun(instance.id, 'w1', 1, 'worker w1 died', null, 3000), true);
    assert.equal((await read(instance.id)).waitingForWorker, false);
    await transitions.markWaitingForWorker(instance.id, 'waiting for a worker: none left');
    assert.equal(
      await transitions.endActive(
        instance.id,
        [InstanceStatus.WAITING_DISPATCH],
        InstanceStatus.FAILED,
        'no worker',
        4000,
      ),
      true,
    );
    row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.FAILED);
    assert.equal(row.waitingForWorker, false);
  });

  it('applies the reports of the current run and worker only, and announces the end once', async () => {
    const instance = await launched();
    assert.equal(await transitions.markDispatched(instance, 'w1', 2000), true);
    assert.equal(await transitions.markRunning(instance.id, 'w2', 1, 2100), false, "not the run's worker");
    assert.equal(await transitions.markRunning(instance.id, 'w1', 2, 2100), false, 'not the current run');
    assert.equal(await transitions.markRunning(instance.id, 'w1', 1, 2100), true);
    assert.equal(await transitions.markRunning(instance.id, 'w1', 1, 2200), false, 'already RUNNING');

    await transitions.recordProgress(instance.id, 'w2', 1, '{"total":9}');
    assert.equal((await read(instance.id)).taskCounts, null, 'progress of another worker is dropped');
    await transitions.recordProgress(instance.id, 'w1', 1, '{"total":3}');
    assert.equal((await read(instance.id)).taskCounts, '{"total":3}');

    assert.equal(
      await transitions.finishRun(instance.id, 'w1', 0, InstanceStatus.SUCCEEDED, 'ok', null, 3000),
      false,
      'an older run',
    );
    assert.deepEqual(ended, []);
    assert.equal(
      await transitions.finishRun(instance.id, 'w1', 1, InstanceStatus.SUCCEEDED, 'ok', null, 3000, {
        taskCounts: '{"total":4}',
      }),
      true,
    );
    assert.equal(
      await transitions.finishRun(instance.id, 'w1', 1, InstanceStatus.FAILED, 'late', 'late', 3100),
      false,
      'a final status is final',
    );
    const row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.SUCCEEDED);
    assert.equal(row.result, 'ok');
    assert.equal(row.finishedTime, 3000);
    assert.equal(row.taskCounts, '{"total":4}');
    assert.deepEqual(ended, [instance.id]);
    assert.match(
      await metrics.registry.getSingleMetricAsString('jobnest_instances_finished_total'),
      /status="SUCCEEDED"} 1/,
    );
  });

  it('puts a run back for its next dispatch, after which the old run changes nothing', async () => {
    const instance = await launched();
    await transitions.markDispatched(instance, 'w1', 2000);
    await transitions.markRunning(instance.id, 'w1', 1, 2100);
    assert.equal(await transitions.requeueRun(instance.id, 'w2', 1, 'wrong worker', null, 2500), false);
    assert.equal(await transitions.requeueRun(instance.id, 'w1', 1, 'run 1 failed, retrying', 'boom', 2500), true);
    let row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.workerId, null);
    assert.equal(row.result, 'boom');
    assert.equal(row.statusReason, 'run 1 failed, retrying');
    assert.equal(await transitions.markRunning(instance.id, 'w1', 1, 2600), false);
    assert.equal(
      await transitions.finishRun(instance.id, 'w1', 1, InstanceStatus.SUCCEEDED, 'late', null, 2600),
      false,
    );

    assert.equal(await transitions.markDispatched(row, 'w2', 3000), true);
    row = await read(instance.id);
    assert.equal(row.runningTimes, 2);
    assert.equal(row.actualTriggerTime, 2000, 'the first run keeps its start time');
  });

  it('hands a distributed run to another worker once per takeover, resuming from its tasks', async () => {
    const instance = await launched();
    await transitions.markDispatched(instance, 'w1', 2000);
    await transitions.markRunning(instance.id, 'w1', 1, 2100);
    const running = await read(instance.id);
    assert.equal(await transitions.requeueForTakeover(running, 'w1 stopped heartbeating', 5000), true);
    assert.equal(await transitions.requeueForTakeover(running, 'again', 5001), false, 'already taken over');
    let row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.takeovers, 1);
    assert.equal(row.resumeNext, true);
    assert.equal(await transitions.markDispatched(row, 'w2', 6000), true);
    row = await read(instance.id);
    assert.equal(row.resumeNext, false, 'the resume flag is spent by the dispatch');
  });

  it('ends an instance only from the statuses named, and retries a finished one as a new run', async () => {
    const instance = await launched();
    await transitions.markDispatched(instance, 'w1', 2000);
    await transitions.markRunning(instance.id, 'w1', 1, 2100);
    const waiting = [InstanceStatus.WAITING_DISPATCH, InstanceStatus.WAITING_WORKER_RECEIVE];
    assert.equal(
      await transitions.endActive(instance.id, waiting, InstanceStatus.CANCELED, 'canceled by user', 3000),
      false,
    );
    assert.equal(
      await transitions.endActive(
        instance.id,
        [InstanceStatus.RUNNING],
        InstanceStatus.STOPPED,
        'stopped by user',
        3000,
      ),
      true,
    );
    let row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.STOPPED);
    assert.equal(row.result, 'stopped by user');
    assert.deepEqual(ended, [instance.id]);

    assert.equal(await transitions.restartFinished(instance.id, InstanceStatus.FAILED, 4000), false, 'not FAILED');
    assert.equal(await transitions.restartFinished(instance.id, InstanceStatus.STOPPED, 4000), true);
    row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.finishedTime, null);
    assert.equal(row.result, null);
    assert.equal(row.statusReason, 'retried by user');
    assert.equal(row.runningTimes, 1, 'the next dispatch is run 2');
  });

  it('clips a long reason to the column', async () => {
    const instance = await launched();
    await transitions.markWaitingForWorker(instance.id, `waiting for a worker: ${'x'.repeat(5000)}`);
    const reason = (await read(instance.id)).statusReason ?? '';
    assert.equal(reason.length, 1000);
    assert.ok(reason.endsWith('...'));
  });
  it('writes a batch of changes one UPDATE per kind, each row its own values', async () => {
    const rows = [await launched(), await launched(), await launched()];
    for (const r of rows) assert.equal(await transitions.markDispatched(r, 'w1', 2000), true);
    const changes = new Map([
      [rows[0]!.id, { status: InstanceStatus.SUCCEEDED, result: 'first', finishedTime: 3000, statusTime: 3000 }],
      [rows[1]!.id, { status: InstanceStatus.SUCCEEDED, result: 'second', finishedTime: 3000, statusTime: 3000 }],
      [rows[2]!.id, { status: InstanceStatus.RUNNING, statusTime: 2500 }],
    ]);
    await database.db().transaction((tx) => transitions.writeChanges(tx, changes));
    const [a, b, c] = await Promise.all(rows.map((r) => read(r.id)));
    assert.deepEqual([a.status, a.result, a.finishedTime], [InstanceStatus.SUCCEEDED, 'first', 3000]);
    assert.deepEqual([b.status, b.result, b.finishedTime], [InstanceStatus.SUCCEEDED, 'second', 3000]);
    assert.deepEqual([c.status, c.statusTime, c.result], [InstanceStatus.RUNNING, 2500, null]);
  });

  it('writes a change only while the row is as it was read', async () => {
    const instance = await launched();
    assert.equal(await transitions.markDispatched(instance, 'w1', 2000), true);
    const readAs = { status: InstanceStatus.WAITING_WORKER_RECEIVE, runningTimes: 1, workerId: 'w1' };
    const running = { status: InstanceStatus.RUNNING, statusTime: 2100 };
    assert.equal(await transitions.writeChangeIfUnchanged(instance.id, { ...readAs, workerId: 'w2' }, running), false);
    assert.equal(await transitions.writeChangeIfUnchanged(instance.id, readAs, running), true);
    assert.equal(await transitions.writeChangeIfUnchanged(instance.id, readAs, running), false, 'already changed');
    assert.equal((await read(instance.id)).status, InstanceStatus.RUNNING);
    // A row without a worker matches a null worker read (IS NULL, not = NULL).
    const waiting = await launched();
    const stopped = { status: InstanceStatus.STOPPED, finishedTime: 1, statusTime: 1 };
    const unassigned = { status: InstanceStatus.WAITING_DISPATCH, runningTimes: 0, workerId: null };
    assert.equal(await transitions.writeChangeIfUnchanged(waiting.id, unassigned, stopped), true);
  });
});

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { InstanceStatus, type InstanceStatusReport } from '@jobnest/common';
import { InstanceInfoEntity } from '@jobnest/persistence';
import {
  InstanceEvents,
  InstanceRepository,
  InstanceTransitions,
  MetricsService,
  ServerConfig,
  StatusReportHandler,
  type ActiveInstances,
  type DispatcherService,
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
  let reports: StatusReportHandler;
  /** Instances the report handler sent back to dispatch, with the worker to avoid. */
  let redispatched: [number, string | undefined][];

  beforeEach(async () => {
    await clearTables(database.db());
    const events = new InstanceEvents();
    ended = [];
    events.onFinished(({ id }) => ended.push(id));
    metrics = new MetricsService();
    transitions = new InstanceTransitions(database.db().getRepository(InstanceInfoEntity), metrics, events);
    instances = new InstanceRepository(database.db());
    redispatched = [];
    // Records the retries a report asks for; dispatching them is the dispatcher's own test (e2e).
    const dispatcher = {
      dispatchInBackground: (id: number, _loaded: unknown, avoid?: string) => void redispatched.push([id, avoid]),
    } as unknown as DispatcherService;
    const config = new ServerConfig({ JOBNEST_TOKEN_SECRET: 's'.repeat(32) });
    reports = new StatusReportHandler(database.db(), instances, transitions, dispatcher, metrics, config);
  });

  /** A report of run `runningTimes` of the instance from `workerId`. */
  function report(
    instanceId: number,
    workerId: string,
    runningTimes: number,
    status: InstanceStatusReport['status'],
    extra: Partial<InstanceStatusReport> = {},
  ): InstanceStatusReport {
    const result = status === InstanceStatus.RUNNING ? null : 'ok';
    return { kind: 'InstanceStatusReport', instanceId, workerId, runningTimes, status, result, time: 1, ...extra };
  }

  /** Applies reports one batch each, as they would trickle in, and answers each one's outcome. */
  async function applyEach(...batch: InstanceStatusReport[]): Promise<string[]> {
    const outcomes: string[] = [];
    for (const r of batch) outcomes.push(...(await reports.apply([r])));
    return outcomes;
  }

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
    assert.deepEqual(
      await applyEach(
        report(instance.id, 'w2', 1, InstanceStatus.RUNNING),
        report(instance.id, 'w1', 2, InstanceStatus.RUNNING),
      ),
      ['dropped', 'dropped'],
      "not the run's worker, not the current run",
    );
    assert.equal((await read(instance.id)).status, InstanceStatus.WAITING_WORKER_RECEIVE);
    assert.deepEqual(await applyEach(report(instance.id, 'w1', 1, InstanceStatus.RUNNING)), ['applied']);
    assert.equal((await read(instance.id)).status, InstanceStatus.RUNNING);

    const tasks = (total: number) => ({ total, waiting: 0, running: total, succeeded: 0, failed: 0 });
    await applyEach(report(instance.id, 'w2', 1, InstanceStatus.RUNNING, { tasks: tasks(9) }));
    assert.equal((await read(instance.id)).taskCounts, null, 'progress of another worker is dropped');
    await applyEach(report(instance.id, 'w1', 1, InstanceStatus.RUNNING, { tasks: tasks(3) }));
    assert.equal(JSON.parse((await read(instance.id)).taskCounts ?? '{}').total, 3);

    assert.deepEqual(
      await applyEach(report(instance.id, 'w1', 0, InstanceStatus.SUCCEEDED)),
      ['dropped'],
      'an older run',
    );
    assert.deepEqual(ended, []);
    // The run's end and a late FAILED in one batch, then the same end again alone: applied once.
    assert.deepEqual(
      await reports.apply([
        report(instance.id, 'w1', 1, InstanceStatus.SUCCEEDED, { tasks: tasks(4) }),
        report(instance.id, 'w1', 1, InstanceStatus.FAILED, { result: 'late' }),
      ]),
      ['applied', 'dropped'],
      'a final status is final',
    );
    assert.deepEqual(await applyEach(report(instance.id, 'w1', 1, InstanceStatus.SUCCEEDED)), ['dropped']);
    const row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.SUCCEEDED);
    assert.equal(row.result, 'ok');
    assert.equal(JSON.parse(row.taskCounts ?? '{}').total, 4);
    assert.deepEqual(ended, [instance.id]);
    assert.match(
      await metrics.registry.getSingleMetricAsString('jobnest_instances_finished_total'),
      /status="SUCCEEDED"} 1/,
    );
    assert.deepEqual(await reports.apply([report(987_654, 'w1', 1, InstanceStatus.SUCCEEDED)]), ['unknown-instance']);
  });

  it('sends a failed run with retries left back to dispatch, elsewhere than its worker', async () => {
    const job = await insertJob(database.db(), 1, { instanceRetries: 1 });
    const [instance] = await database.db().transaction((tx) =>
      instances.insertMany(tx, [
        {
          job,
          row: { instanceParams: null, expectedTriggerTime: 1000, triggerSlot: null, statusReason: null, now: 1000 },
        },
      ]),
    );
    assert.ok(instance);
    assert.equal(await transitions.markDispatched(instance, 'w1', 2000), true);
    assert.deepEqual(await applyEach(report(instance.id, 'w1', 1, InstanceStatus.FAILED, { result: 'boom' })), [
      'applied',
    ]);
    const row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.workerId, null);
    assert.match(row.statusReason ?? '', /^run 1 failed, retrying \(1\/1\): boom/);
    assert.deepEqual(redispatched, [[instance.id, 'w1']]);
    assert.deepEqual(ended, []);
  });

  it('puts a run back for its next dispatch, after which the old run changes nothing', async () => {
    const instance = await launched();
    await transitions.markDispatched(instance, 'w1', 2000);
    await applyEach(report(instance.id, 'w1', 1, InstanceStatus.RUNNING));
    assert.equal(await transitions.requeueRun(instance.id, 'w2', 1, 'wrong worker', null, 2500), false);
    assert.equal(await transitions.requeueRun(instance.id, 'w1', 1, 'run 1 failed, retrying', 'boom', 2500), true);
    let row = await read(instance.id);
    assert.equal(row.status, InstanceStatus.WAITING_DISPATCH);
    assert.equal(row.workerId, null);
    assert.equal(row.result, 'boom');
    assert.equal(row.statusReason, 'run 1 failed, retrying');
    assert.deepEqual(
      await applyEach(
        report(instance.id, 'w1', 1, InstanceStatus.RUNNING),
        report(instance.id, 'w1', 1, InstanceStatus.SUCCEEDED, { result: 'late' }),
      ),
      ['dropped', 'dropped'],
    );
    assert.equal((await read(instance.id)).status, InstanceStatus.WAITING_DISPATCH);

    assert.equal(await transitions.markDispatched(row, 'w2', 3000), true);
    row = await read(instance.id);
    assert.equal(row.runningTimes, 2);
    assert.equal(row.actualTriggerTime, 2000, 'the first run keeps its start time');
  });

  it('hands a distributed run to another worker once per takeover, resuming from its tasks', async () => {
    const instance = await launched();
    await transitions.markDispatched(instance, 'w1', 2000);
    await applyEach(report(instance.id, 'w1', 1, InstanceStatus.RUNNING));
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
    await applyEach(report(instance.id, 'w1', 1, InstanceStatus.RUNNING));
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

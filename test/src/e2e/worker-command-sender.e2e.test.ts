import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Job, Queue } from 'bullmq';
import type { SingleWorkerCommand } from '@jobnest/common';
import {
  COMMAND_BATCH_LIMITS,
  decodeWorkerCommand,
  KeyLayout,
  WorkerCommandSender,
  type WorkerAddress,
} from '@jobnest/transport';
import { runCommand } from '../support/fakes/fake-fleet';
import { TestNamespace } from '../support/isolated-namespace';

/** Workers of app 7: each queue under its own hash tag. */
const w = (workerId: string): WorkerAddress => ({ workerId, appId: 7 });

/** The command sender's Queue cache against the real Redis: bounded in count and idle time; removeQueue deletes the keys. */
describe('WorkerCommandSender cache', () => {
  const ns = new TestNamespace();
  const redis = new Redis(ns.redisUrl, { maxRetriesPerRequest: null });
  const stop = (instanceId: number) => ({ kind: 'StopInstance' as const, instanceId, reason: 'test' });
  const layout = new KeyLayout(ns.prefix);

  after(async () => {
    redis.disconnect();
    await ns.drop();
  });

  async function keysOf(workerId: string): Promise<string[]> {
    return redis.keys(`${layout.workerQueuePrefix(w(workerId))}:jobnest-worker-${workerId}:*`);
  }

  it('keeps at most maxQueues send-only queues, closes idle ones, and leaves held ones open', async () => {
    const sender = new WorkerCommandSender(redis, layout, { idleMs: 60_000, maxQueues: 3 });
    try {
      const held = sender.queue(w('board-shown'));
      for (const id of ['a', 'b', 'c', 'd', 'e']) await sender.send(w(id), stop(1));
      assert.equal(sender.openQueues, 4, 'three send-only queues plus the held one');
      for (const id of ['a', 'b', 'c', 'd', 'e'])
        assert.ok((await keysOf(id)).length > 0, `command for ${id} not on its queue`);

      sender.prune(Date.now() + 61_000); // a minute later: every send-only queue is idle
      assert.equal(sender.openQueues, 1);
      assert.equal(sender.queue(w('board-shown')), held, 'the held queue is the same open object');
      assert.equal(await held.count(), 0);

      await sender.send(w('a'), stop(2)); // opened again on demand
      assert.equal(sender.openQueues, 2);
    } finally {
      await sender.close();
    }
    assert.equal(sender.openQueues, 0);
  });

  it('removeQueue deletes every key of the worker queue, jobs included, and only that queue', async () => {
    const sender = new WorkerCommandSender(redis, layout);
    try {
      await sender.send(w('gone'), stop(1));
      await sender.send(w('gone'), stop(2));
      await sender.send(w('staying'), stop(3));
      assert.ok((await keysOf('gone')).length > 0);
      await sender.removeQueue(w('gone'));
      assert.deepEqual(await keysOf('gone'), []);
      assert.ok((await keysOf('staying')).length > 0);
      assert.equal(sender.openQueues, 1);
      await sender.removeQueue(w('never-used')); // nothing to delete: no error
    } finally {
      await sender.close();
    }
  });
});

/** Coalescing: the sends of one event-loop turn for one worker leave in one round trip, as CommandBatch jobs. */
describe('WorkerCommandSender batches', () => {
  const ns = new TestNamespace();
  const redis = new Redis(ns.redisUrl, { maxRetriesPerRequest: null });
  const stop = (instanceId: number): SingleWorkerCommand => ({ kind: 'StopInstance', instanceId, reason: 'test' });
  const ack = (instanceId: number): SingleWorkerCommand => ({ kind: 'AckInstanceStatus', instanceId, runningTimes: 1 });
  const layout = new KeyLayout(ns.prefix);

  after(async () => {
    redis.disconnect();
    await ns.drop();
  });

  /** The worker's waiting jobs, oldest first. */
  async function waiting(queue: Queue): Promise<Job[]> {
    return queue.getJobs(['wait'], 0, -1, true);
  }

  /** Counts the add and addBulk calls (round trips) the sender makes on the worker's queue. */
  function countAdds(queue: Queue): { calls: number; bulkCalls: number } {
    const counter = { calls: 0, bulkCalls: 0 };
    const addBulk = queue.addBulk.bind(queue);
    const add = queue.add.bind(queue);
    queue.addBulk = (jobs) => {
      counter.calls++;
      counter.bulkCalls++;
      return addBulk(jobs);
    };
    queue.add = (name, data, opts) => {
      counter.calls++;
      return add(name, data, opts);
    };
    return counter;
  }

  /** The commands the jobs carry, in order, as the worker decodes them. */
  function carried(jobs: Job[]): SingleWorkerCommand[] {
    return jobs.flatMap((job) => {
      const command = decodeWorkerCommand(job.name, job.data);
      assert.ok(command, `job ${job.name} decodes`);
      if (command.kind !== 'CommandBatch') return [command];
      assert.deepEqual(command.refused, []);
      return command.commands;
    });
  }

  it('sends the commands of one turn for one worker as one CommandBatch job, in order, in one round trip', async () => {
    const sender = new WorkerCommandSender(redis, layout);
    try {
      const queue = sender.queue(w('w-batch'));
      const bulk = countAdds(queue);
      const run = runCommand({ instanceId: 11, runningTimes: 2 });
      const commands = [run, stop(12), ack(13), stop(14)];
      await Promise.all([...commands.map((c) => sender.send(w('w-batch'), c)), sender.send(w('w-other'), stop(99))]);
      const jobs = await waiting(queue);
      assert.equal(jobs.length, 1, 'one job for the four commands');
      assert.equal(jobs[0].name, 'CommandBatch');
      assert.deepEqual(jobs[0].data, { kind: 'CommandBatch', commands });
      assert.deepEqual(carried(jobs), commands);
      assert.deepEqual(bulk, { calls: 1, bulkCalls: 0 }, 'one job: one add, no pipeline');
      // The other worker's command went to its own queue, alone.
      const other = await waiting(sender.queue(w('w-other')));
      assert.deepEqual(
        other.map((j) => j.name),
        ['StopInstance'],
      );
    } finally {
      await sender.close();
    }
  });

  it('sends a command alone in its turn as its own job by add(), RunInstance with its job id', async () => {
    const sender = new WorkerCommandSender(redis, layout);
    try {
      const queue = sender.queue(w('w-single'));
      const adds = countAdds(queue);
      await sender.send(w('w-single'), runCommand({ instanceId: 21, runningTimes: 3 }));
      await sender.send(w('w-single'), stop(22)); // awaited: a later turn, a job of its own
      await sender.send(w('w-single'), runCommand({ instanceId: 21, runningTimes: 3 })); // same job id: no second job
      const jobs = await waiting(queue);
      assert.deepEqual(
        jobs.map((j) => [j.name, j.id?.startsWith('run-') ? j.id : 'auto']),
        [
          ['RunInstance', 'run-21-3'],
          ['StopInstance', 'auto'],
        ],
      );
      assert.equal(jobs[0].opts.removeOnComplete, true);
      assert.deepEqual(jobs[0].opts.removeOnFail, { count: 1000 });
      // One round trip per turn, none of them a pipeline.
      assert.deepEqual(adds, { calls: 3, bulkCalls: 0 });
    } finally {
      await sender.close();
    }
  });

  it('sends one job per command, still in one addBulk, to a worker that does not accept batches', async () => {
    const sender = new WorkerCommandSender(redis, layout, { acceptsBatches: (id) => id !== 'w-old' });
    try {
      const queue = sender.queue(w('w-old'));
      const bulk = countAdds(queue);
      const commands = [stop(31), runCommand({ instanceId: 32 }), ack(33)];
      await Promise.all(commands.map((c) => sender.send(w('w-old'), c)));
      const jobs = await waiting(queue);
      assert.deepEqual(
        jobs.map((j) => j.name),
        ['StopInstance', 'RunInstance', 'AckInstanceStatus'],
      );
      assert.equal(jobs[1].id, 'run-32-1');
      assert.deepEqual(carried(jobs), commands);
      assert.deepEqual(bulk, { calls: 1, bulkCalls: 1 });
    } finally {
      await sender.close();
    }
  });

  it('splits batches at the command count and at the estimated size', async () => {
    const sender = new WorkerCommandSender(redis, layout);
    try {
      // Count: 300 small commands -> 256 + 44.
      const many = Array.from({ length: 300 }, (_, i) => stop(1000 + i));
      await Promise.all(many.map((c) => sender.send(w('w-many'), c)));
      const manyJobs = await waiting(sender.queue(w('w-many')));
      assert.deepEqual(
        manyJobs.map((j) => (j.data as { commands: unknown[] }).commands.length),
        [COMMAND_BATCH_LIMITS.maxCommands, 300 - COMMAND_BATCH_LIMITS.maxCommands],
      );
      assert.deepEqual(carried(manyJobs), many);

      // Size: RunInstance commands with 200 KB of params each -> two per batch under 512 KB, the last one alone.
      const params = 'p'.repeat(200 * 1024);
      const big = Array.from({ length: 5 }, (_, i) => runCommand({ instanceId: 40 + i, jobParams: params }));
      await Promise.all(big.map((c) => sender.send(w('w-big'), c)));
      const bigJobs = await waiting(sender.queue(w('w-big')));
      assert.deepEqual(
        bigJobs.map((j) => [
          j.name,
          j.name === 'CommandBatch' ? (j.data as { commands: unknown[] }).commands.length : j.id,
        ]),
        [
          ['CommandBatch', 2],
          ['CommandBatch', 2],
          ['RunInstance', 'run-44-1'],
        ],
      );
      for (const job of bigJobs) assert.ok(JSON.stringify(job.data).length <= COMMAND_BATCH_LIMITS.maxBytes);
      assert.deepEqual(carried(bigJobs), big);
    } finally {
      await sender.close();
    }
  });

  it('close() sends what is pending before it closes the queues', async () => {
    const sender = new WorkerCommandSender(redis, layout);
    const sent = [stop(51), stop(52)].map((c) => sender.send(w('w-closing'), c));
    await sender.close();
    await Promise.all(sent); // resolved, not left hanging
    const check = new WorkerCommandSender(redis, layout);
    try {
      const jobs = await waiting(check.queue(w('w-closing')));
      assert.deepEqual(carried(jobs), [stop(51), stop(52)]);
    } finally {
      await check.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { WorkerCommandSender } from '@jobnest/transport';
import { TestNamespace } from '../support/isolated-namespace';

/** The command sender's Queue cache against the real Redis: bounded in count and idle time; removeQueue deletes the keys. */
describe('WorkerCommandSender cache', () => {
  const ns = new TestNamespace();
  const redis = new Redis(ns.redisUrl, { maxRetriesPerRequest: null });
  const stop = (instanceId: number) => ({ kind: 'StopInstance' as const, instanceId, reason: 'test' });

  after(async () => {
    redis.disconnect();
    await ns.drop();
  });

  async function keysOf(workerId: string): Promise<string[]> {
    return redis.keys(`${ns.prefix}:jobnest-worker-${workerId}:*`);
  }

  it('keeps at most maxQueues send-only queues, closes idle ones, and leaves held ones open', async () => {
    const sender = new WorkerCommandSender(redis, ns.prefix, { idleMs: 60_000, maxQueues: 3 });
    try {
      const held = sender.queue('board-shown');
      for (const id of ['a', 'b', 'c', 'd', 'e']) await sender.send(id, stop(1));
      assert.equal(sender.openQueues, 4, 'three send-only queues plus the held one');
      for (const id of ['a', 'b', 'c', 'd', 'e'])
        assert.ok((await keysOf(id)).length > 0, `command for ${id} not on its queue`);

      sender.prune(Date.now() + 61_000); // a minute later: every send-only queue is idle
      assert.equal(sender.openQueues, 1);
      assert.equal(sender.queue('board-shown'), held, 'the held queue is the same open object');
      assert.equal(await held.count(), 0);

      await sender.send('a', stop(2)); // opened again on demand
      assert.equal(sender.openQueues, 2);
    } finally {
      await sender.close();
    }
    assert.equal(sender.openQueues, 0);
  });

  it('removeQueue deletes every key of the worker queue, jobs included, and only that queue', async () => {
    const sender = new WorkerCommandSender(redis, ns.prefix);
    try {
      await sender.send('gone', stop(1));
      await sender.send('gone', stop(2));
      await sender.send('staying', stop(3));
      assert.ok((await keysOf('gone')).length > 0);
      await sender.removeQueue('gone');
      assert.deepEqual(await keysOf('gone'), []);
      assert.ok((await keysOf('staying')).length > 0);
      assert.equal(sender.openQueues, 1);
      await sender.removeQueue('never-used'); // nothing to delete: no error
    } finally {
      await sender.close();
    }
  });
});

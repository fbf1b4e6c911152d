import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance, JobnestClient } from '@jobnest/client';
import { FAST_FAILURE_DETECTION, FAST_FAILURE_TIMINGS, TestCluster, waitUntil } from '../support/cluster';

/** Real worker processes killed with SIGKILL while they run an instance: it is retried elsewhere or failed, never left RUNNING. */
describe('a worker killed while running', () => {
  const cluster = new TestCluster(FAST_FAILURE_DETECTION);
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'k1' });
    await cluster.startWorker({ workerId: 'k2' });
  });

  after(async () => {
    await cluster.close();
  });

  async function runAndKillTracker(instanceRetries: number): Promise<{ killed: string; instance: Instance }> {
    const job = await client.createJob({
      name: `sleepy-${instanceRetries}`,
      processor: 'demo.sleep',
      jobParams: '3000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      instanceRetries,
    });
    const { instanceId } = await client.runJob(job.id, {});
    let tracker = '';
    await waitUntil(
      async () => {
        const i = await client.getInstance(instanceId);
        tracker = i.workerId ?? '';
        return i.status === 'RUNNING';
      },
      10_000,
      'the instance to run',
    );
    cluster.workers.get(tracker)!.kill('SIGKILL');
    const instance = await client.waitForInstance(instanceId, {
      timeoutMs: FAST_FAILURE_TIMINGS.workerTimeoutMs * 4 + 15_000,
    });
    return { killed: tracker, instance };
  }

  it('retries the instance on another worker when instanceRetries allow', async () => {
    const { killed, instance } = await runAndKillTracker(1);
    assert.equal(instance.status, 'SUCCEEDED', `${JSON.stringify(instance)}\n${cluster.dump()}`);
    assert.notEqual(instance.workerId, killed);
    assert.equal(instance.runningTimes, 2);
    assert.equal(instance.result, 'slept 3000 ms');
    // bull-board follows the fleet: the dead worker's queue is gone, the live one's is there.
    const auth = { authorization: `Basic ${Buffer.from('admin:admin-password').toString('base64')}` };
    const board = (await (await fetch(`${cluster.baseUrl}/admin/queues/api/queues`, { headers: auth })).json()) as {
      queues: { name: string }[];
    };
    const names = board.queues.map((q) => q.name);
    assert.ok(!names.includes(`jobnest-worker-${killed}`), `queue of the dead worker still shown: ${names.join(', ')}`);
    assert.ok(names.includes(`jobnest-worker-${instance.workerId}`));
  });

  it('fails the instance with the reason when no retry is left', async () => {
    await cluster.startWorker({ workerId: 'k3' });
    const { killed, instance } = await runAndKillTracker(0);
    assert.equal(instance.status, 'FAILED');
    assert.match(instance.result ?? '', new RegExp(`${killed} stopped heartbeating`));
    const running = await client.listInstances({ status: 'RUNNING' });
    assert.equal(running.total, 0, 'nothing is left RUNNING');
  });
});

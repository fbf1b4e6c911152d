import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { createConnection, type Connection } from 'mysql2/promise';
import type { JobnestClient, WorkflowInstance } from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';
import { chainDag, createStepJob, type StepParams } from '../support/workflow-steps';

/**
 * Workflows across server failures: two servers, one worker. Slots of a CRON workflow fire once each through a
 * SIGKILL; a transition a dead server left undone is completed by the reconciler.
 */
describe('workflows through server failures', () => {
  const cluster = new TestCluster({
    JOBNEST_STREAM_CLAIM_IDLE_MS: '2000',
    JOBNEST_MISFIRE_THRESHOLD_MS: '1500',
    JOBNEST_TIMER_RECONCILE_INTERVAL_MS: '2000',
  });
  let client: JobnestClient;
  let db: Connection;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = await cluster.clientOf(1);
    cluster.client = client;
    await cluster.startWorker({ workerId: 'wf1' });
    db = await createConnection(cluster.ns.mysqlUrl);
  });

  after(async () => {
    await db.end();
    await cluster.close();
  });

  const step = (params: StepParams = {}) => createStepJob(client, params);

  async function allInstances(workflowId: number): Promise<WorkflowInstance[]> {
    return (await client.listWorkflowInstances({ workflowId, size: 200 })).items;
  }

  it('fires each slot of a CRON workflow exactly once when the server firing them is killed with SIGKILL', async () => {
    const a = await step({ set: { a: 1 } });
    const b = await step();
    const survivor = cluster.servers[1]!;
    const viaKilled = await cluster.clientOf(0);
    // Server 1 is frozen first, so the first slots are provably fired (and moved) by server 0, the one killed.
    survivor.child.kill('SIGSTOP');
    let workflowId: number;
    let firedByKilled: number;
    try {
      const created = await viaKilled.createWorkflow({
        name: 'every-second',
        timeExpressionType: 'CRON',
        timeExpression: '* * * * * *',
        // Slots must not be skipped behind an instance the kill leaves for the reconciler to finish.
        overlapPolicy: 'ALLOW_ALL',
        dag: chainDag(['a', a], ['b', b]),
      });
      workflowId = created.id;
      await waitUntil(
        async () => (await viaKilled.listWorkflowInstances({ workflowId, size: 200 })).total >= 3,
        15_000,
        'three slots fired by server 0 alone',
      );
      firedByKilled = (await viaKilled.listWorkflowInstances({ workflowId, size: 200 })).total;
    } finally {
      survivor.child.kill('SIGCONT');
    }
    await sleep(300);
    cluster.servers[0]!.kill('SIGKILL');
    await waitUntil(
      async () => (await allInstances(workflowId)).length >= firedByKilled + 5,
      20_000,
      'five more slots fired by the surviving server',
    );
    await client.disableWorkflow(workflowId);
    await waitUntil(
      async () => (await allInstances(workflowId)).every((w) => w.status === 'SUCCEEDED'),
      30_000,
      'every workflow instance to succeed (those server 0 left mid-way completed by the survivor)',
    );
    const instances = await allInstances(workflowId);
    const slots = instances.map((w) => w.triggerSlot!).sort((x, y) => x - y);
    assert.equal(new Set(slots).size, slots.length, 'one workflow instance per slot');
    for (let i = 1; i < slots.length; i++) {
      assert.equal(slots[i]! - slots[i - 1]!, 1000, `slots are consecutive seconds: ${slots.join(',')}`);
    }
    const workflow = await client.getWorkflow(workflowId);
    assert.equal(workflow.misfiredSlots, 0);
    assert.equal(workflow.skippedSlots, 0);
    // Every node of every instance ran exactly once.
    assert.equal((await client.listInstances({ jobId: a, size: 200 })).total, instances.length);
    assert.equal((await client.listInstances({ jobId: b, size: 200 })).total, instances.length);
  });

  it('completes a transition no server made: a node that ended while its server died', async () => {
    const slow = await step({ sleepMs: 2000, set: { slow: true } });
    const next = await step();
    const { id: workflowId } = await client.createWorkflow({
      name: 'left-mid-way',
      timeExpressionType: 'API',
      dag: chainDag(['slow', slow], ['next', next]),
    });
    const { workflowInstanceId } = await client.runWorkflow(workflowId);
    await waitUntil(
      async () =>
        (await client.getWorkflowInstance(workflowInstanceId)).nodes.find((n) => n.id === 'slow')?.status === 'RUNNING',
      15_000,
      'the slow node running',
    );
    const slowInstanceId = (await client.getWorkflowInstance(workflowInstanceId)).nodes[0]!.instanceId!;
    // Every live server is frozen while the node ends; its end is then written as if a server stored the report
    // and died before moving the workflow. The report, consumed after, finds the instance final: only the
    // reconciler can move the workflow now.
    const live = cluster.servers.filter((s) => s.alive);
    for (const server of live) server.child.kill('SIGSTOP');
    try {
      await sleep(3000);
      await db.query(
        `UPDATE instance_info SET status = 'SUCCEEDED', result = 'ended', finished_time = ?, status_time = ?,
           wf_context_additions = '{"slow":true}' WHERE id = ?`,
        [Date.now(), Date.now(), slowInstanceId],
      );
    } finally {
      for (const server of live) server.child.kill('SIGCONT');
    }
    const done = await client.waitForWorkflowInstance(workflowInstanceId, { timeoutMs: 30_000 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const nextNode = done.nodes.find((n) => n.id === 'next')!;
    assert.deepEqual((JSON.parse(nextNode.result ?? '{}') as { context: unknown }).context, { slow: true });
    assert.ok(
      cluster.servers.some((s) => s.logs.includes(`workflow instance ${workflowInstanceId}: completing a transition`)),
      'the reconciler moved it',
    );
  });

  it('stops the nodes an ended workflow instance left running (its server died before stopping them)', async () => {
    const slow = await step({ sleepMs: 60_000 });
    const { id: workflowId } = await client.createWorkflow({
      name: 'failed-mid-way',
      timeExpressionType: 'API',
      dag: { nodes: [{ id: 'slow', type: 'JOB', jobId: slow }], edges: [] },
    });
    const { workflowInstanceId } = await client.runWorkflow(workflowId);
    await waitUntil(
      async () => (await client.getWorkflowInstance(workflowInstanceId)).nodes[0]?.status === 'RUNNING',
      15_000,
      'the slow node running',
    );
    const slowInstanceId = (await client.getWorkflowInstance(workflowInstanceId)).nodes[0]!.instanceId!;
    // The transition that failed the workflow committed; the server died before it stopped the running node.
    await db.query(
      `UPDATE workflow_instance SET status = 'FAILED', status_reason = 'failed elsewhere', finished_time = ?,
         version = version + 1 WHERE id = ?`,
      [Date.now(), workflowInstanceId],
    );
    await waitUntil(
      async () => (await client.getInstance(slowInstanceId)).status === 'STOPPED',
      15_000,
      'the left-over node instance stopped by the reconciler',
    );
    const instance = await client.getInstance(slowInstanceId);
    assert.equal(instance.statusReason, 'its workflow instance had ended');
  });

  it('a CRON workflow whose scheduler Redis lost gets it back from MySQL; every slot in between fires or is counted', async () => {
    const job = await step();
    const { id: workflowId } = await client.createWorkflow({
      name: 'lost-scheduler',
      timeExpressionType: 'CRON',
      timeExpression: '* * * * * *',
      overlapPolicy: 'ALLOW_ALL',
      dag: { nodes: [{ id: 'only', type: 'JOB', jobId: job }], edges: [] },
    });
    await waitUntil(async () => (await allInstances(workflowId)).length >= 2, 15_000, 'two slots fired');
    let removedAt = 0;
    const triggers = new Queue('jobnest-trigger', {
      connection: { url: cluster.ns.redisUrl },
      prefix: cluster.keys.system,
    });
    try {
      removedAt = Date.now();
      await triggers.removeJobScheduler(`workflow-${workflowId}`);
      const before = (await allInstances(workflowId)).length;
      // No server may rebuild the timer for 3.5 s, longer than the misfire threshold: the slots of that gap have no
      // trigger, so only the catch-up after the rebuild fires them (late) or counts them (misfired).
      const live = cluster.servers.filter((server) => server.alive);
      for (const server of live) server.child.kill('SIGSTOP');
      await sleep(3500);
      for (const server of live) server.child.kill('SIGCONT');
      await waitUntil(
        async () => (await allInstances(workflowId)).length >= before + 3,
        20_000,
        'slots firing again after the timer rebuild',
      );
      assert.ok((await triggers.getJobScheduler(`workflow-${workflowId}`)) !== undefined, 'the scheduler is back');
    } finally {
      await triggers.close();
    }
    await client.disableWorkflow(workflowId);
    await sleep(1500); // a trigger in flight when it was disabled
    const instances = await allInstances(workflowId);
    const slots = instances.map((w) => w.triggerSlot!).sort((a, b) => a - b);
    const workflow = await client.getWorkflow(workflowId);
    let missing = 0;
    for (let i = 1; i < slots.length; i++) missing += (slots[i]! - slots[i - 1]!) / 1000 - 1;
    // A slot a second after the removal had no trigger: only the catch-up could fire it (late) or count it.
    const caughtUp = instances.filter(
      (w) => w.triggerSlot! > removedAt + 1000 && w.actualTriggerTime! - w.triggerSlot! > 500,
    );
    assert.ok(
      workflow.misfiredSlots > 0 || caughtUp.length > 0,
      `the slots after the removal were caught up (misfired ${workflow.misfiredSlots}, fired late ${caughtUp.length})`,
    );
    assert.equal(
      missing,
      workflow.misfiredSlots + workflow.skippedSlots,
      `every second between the first and last slot fired or was counted: ${slots.join(',')}`,
    );
  });
});

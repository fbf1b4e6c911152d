import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobnestApiError,
  JobnestClient,
  type WorkflowDag,
  type WorkflowInput,
  type WorkflowInstance,
  type WorkflowNodeRun,
} from '@jobnest/client';
import { TestCluster, waitUntil } from '../support/cluster';
import { createStepJob, diamondDag, type StepParams } from '../support/workflow-steps';
import { sampleValue } from '../support/prometheus-text';

/** What demo.workflow-step returns: the node it ran as and the context it read. */
interface StepResult {
  node: string | null;
  context: Record<string, unknown> | null;
  failed?: boolean;
}

function stepResult(node: WorkflowNodeRun): StepResult {
  assert.ok(node.result, `node ${node.id} has no result (${node.status}: ${node.reason ?? ''})`);
  return JSON.parse(node.result) as StepResult;
}

function nodeOf(instance: WorkflowInstance, id: string): WorkflowNodeRun {
  const node = instance.nodes.find((n) => n.id === id);
  assert.ok(node, `no node ${id}`);
  return node;
}

function statuses(instance: WorkflowInstance): Record<string, string> {
  return Object.fromEntries(instance.nodes.map((n) => [n.id, n.status]));
}

/**
 * Workflows end to end: two servers (any may move a workflow), two workers, real processes. Each node runs
 * `demo.workflow-step`, whose params say which keys it adds to the context, whether it fails and how long it sleeps;
 * its result is the context it read, so each test checks what every node saw.
 */
describe('workflows end to end', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1' });
    await cluster.startWorker({ workerId: 'w2' });
  });

  after(async () => {
    await cluster.close();
  });

  const step = (params: StepParams = {}) => createStepJob(client, params);

  async function workflow(dag: WorkflowDag, over: Partial<WorkflowInput> = {}): Promise<number> {
    const created = await client.createWorkflow({
      name: `wf-${Math.random().toString(36).slice(2, 8)}`,
      dag,
      timeExpressionType: 'API',
      ...over,
    });
    return created.id;
  }

  async function runToEnd(workflowId: number, initParams?: Record<string, unknown>): Promise<WorkflowInstance> {
    const { workflowInstanceId } = await client.runWorkflow(
      workflowId,
      initParams ? { initParams: JSON.stringify(initParams) } : {},
    );
    return finished(workflowInstanceId);
  }

  async function finished(workflowInstanceId: number): Promise<WorkflowInstance> {
    try {
      return await client.waitForWorkflowInstance(workflowInstanceId, { timeoutMs: 60_000 });
    } catch (err) {
      const now = await client.getWorkflowInstance(workflowInstanceId).catch(() => null);
      throw new Error(`${String(err)}\n${JSON.stringify(now, null, 1)}\n${cluster.dump()}`, { cause: err });
    }
  }

  /** How many instances the job has (each run of a node is one). */
  async function runsOf(jobId: number): Promise<number> {
    return (await client.listInstances({ jobId, size: 200 })).total;
  }

  it('runs a diamond A -> (B, C) -> D: B and C add keys, D sees both, exact results', async () => {
    const a = await step({ set: { fromA: 1 } });
    const b = await step({ set: { fromB: 'b' } });
    const c = await step({ set: { fromC: ['c'] } });
    const d = await step({ set: { fromD: true } });
    const id = await workflow(diamondDag(['A', a], ['B', b], ['C', c], ['D', d]));
    const done = await runToEnd(id, { date: '2026-11-30' });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(statuses(done), { A: 'SUCCEEDED', B: 'SUCCEEDED', C: 'SUCCEEDED', D: 'SUCCEEDED' });
    assert.deepEqual(stepResult(nodeOf(done, 'A')), { node: 'A', context: { date: '2026-11-30' } });
    assert.deepEqual(stepResult(nodeOf(done, 'B')).context, { date: '2026-11-30', fromA: 1 });
    assert.deepEqual(stepResult(nodeOf(done, 'C')).context, { date: '2026-11-30', fromA: 1 });
    assert.deepEqual(stepResult(nodeOf(done, 'D')), {
      node: 'D',
      context: { date: '2026-11-30', fromA: 1, fromB: 'b', fromC: ['c'] },
    });
    assert.deepEqual(done.context, { date: '2026-11-30', fromA: 1, fromB: 'b', fromC: ['c'], fromD: true });
    // The workflow's result: its last node's result.
    assert.deepEqual(Object.keys(JSON.parse(done.result ?? '{}') as object), ['D']);
    for (const job of [a, b, c, d]) assert.equal(await runsOf(job), 1, `job ${job} ran once`);
    // Each node names its job instance, whose logs are the node's logs.
    await waitUntil(
      async () =>
        (await client.getInstanceLogs(nodeOf(done, 'D').instanceId!)).items.some((l) =>
          l.message.includes('workflow step D ran'),
        ),
      10_000,
      "node D's log line",
    );
  });

  it('takes a decision both ways; the untaken branch and what only it leads to end CANCELED', async () => {
    const big = await step({ set: { branch: 'big' } });
    const small = await step({ set: { branch: 'small' } });
    const afterBig = await step();
    const join = await step();
    const id = await workflow({
      nodes: [
        { id: 'check', type: 'DECISION', expression: 'context.amount > 100' },
        { id: 'big', type: 'JOB', jobId: big },
        { id: 'afterBig', type: 'JOB', jobId: afterBig },
        { id: 'small', type: 'JOB', jobId: small },
        { id: 'join', type: 'JOB', jobId: join },
      ],
      edges: [
        { from: 'check', to: 'big', label: 'true' },
        { from: 'check', to: 'small', label: 'false' },
        { from: 'big', to: 'afterBig' },
        { from: 'afterBig', to: 'join' },
        { from: 'small', to: 'join' },
      ],
    });
    const yes = await runToEnd(id, { amount: 150 });
    assert.equal(yes.status, 'SUCCEEDED', JSON.stringify(yes));
    assert.deepEqual(statuses(yes), {
      check: 'SUCCEEDED',
      big: 'SUCCEEDED',
      afterBig: 'SUCCEEDED',
      small: 'CANCELED',
      join: 'SUCCEEDED',
    });
    assert.equal(nodeOf(yes, 'check').decision, true);
    assert.equal(stepResult(nodeOf(yes, 'join')).context?.branch, 'big');

    const no = await runToEnd(id, { amount: 50 });
    assert.equal(no.status, 'SUCCEEDED', JSON.stringify(no));
    assert.deepEqual(statuses(no), {
      check: 'SUCCEEDED',
      big: 'CANCELED',
      afterBig: 'CANCELED',
      small: 'SUCCEEDED',
      join: 'SUCCEEDED',
    });
    assert.equal(nodeOf(no, 'check').decision, false);
    assert.equal(stepResult(nodeOf(no, 'join')).context?.branch, 'small');
    assert.equal(await runsOf(big), 1);
    assert.equal(await runsOf(afterBig), 1);
    assert.equal(await runsOf(small), 1);
    assert.equal(await runsOf(join), 2);
  });

  it('runs a nested workflow as a child instance; its additions merge back into the parent', async () => {
    const inner = await step({ set: { innerSaw: 'yes', shared: 'inner' } });
    const before = await step({ set: { shared: 'outer' } });
    const last = await step();
    const child = await workflow({ nodes: [{ id: 'inner', type: 'JOB', jobId: inner }], edges: [] });
    const parent = await workflow({
      nodes: [
        { id: 'before', type: 'JOB', jobId: before },
        { id: 'nested', type: 'NESTED_WORKFLOW', workflowId: child },
        { id: 'last', type: 'JOB', jobId: last },
      ],
      edges: [
        { from: 'before', to: 'nested' },
        { from: 'nested', to: 'last' },
      ],
    });
    const done = await runToEnd(parent, { start: 1 });
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    const nested = nodeOf(done, 'nested');
    assert.equal(nested.status, 'SUCCEEDED');
    assert.ok(nested.childInstanceId);
    const childRun = await client.getWorkflowInstance(nested.childInstanceId);
    assert.equal(childRun.status, 'SUCCEEDED');
    assert.equal(childRun.parentInstanceId, done.id);
    // The child started with the parent's context...
    assert.deepEqual(stepResult(nodeOf(childRun, 'inner')).context, { start: 1, shared: 'outer' });
    // ...and what it added is the parent's now.
    assert.deepEqual(stepResult(nodeOf(done, 'last')).context, { start: 1, shared: 'inner', innerSaw: 'yes' });
    // A child is operated through its parent.
    await assert.rejects(client.retryWorkflowInstance(childRun.id), (err: unknown) => {
      assert.ok(err instanceof JobnestApiError && err.status === 409, String(err));
      assert.match(err.message, /is a nested child of/);
      return true;
    });
  });

  it('skipWhenFailed lets successors run; a disabled node is SKIPPED and counts as succeeded', async () => {
    const failing = await step({ fail: true });
    const off = await step({ set: { off: 'ran' } });
    const end = await step();
    const id = await workflow({
      nodes: [
        { id: 'flaky', type: 'JOB', jobId: failing, skipWhenFailed: true },
        { id: 'off', type: 'JOB', jobId: off, enabled: false },
        { id: 'end', type: 'JOB', jobId: end },
      ],
      edges: [
        { from: 'flaky', to: 'off' },
        { from: 'off', to: 'end' },
      ],
    });
    const done = await runToEnd(id);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(statuses(done), { flaky: 'FAILED', off: 'SKIPPED', end: 'SUCCEEDED' });
    assert.equal(await runsOf(off), 0, 'a disabled node does not run');
    assert.deepEqual(stepResult(nodeOf(done, 'end')).context, {});
  });

  it('a failure fails the workflow and stops its running siblings; continueOnFailure lets independent branches finish', async () => {
    const boom = await step({ fail: true, sleepMs: 300 });
    const slow = await step({ sleepMs: 5000, set: { slow: 'done' } });
    const afterBoom = await step();
    const dag: WorkflowDag = {
      nodes: [
        { id: 'boom', type: 'JOB', jobId: boom },
        { id: 'slow', type: 'JOB', jobId: slow },
        { id: 'afterBoom', type: 'JOB', jobId: afterBoom },
      ],
      edges: [{ from: 'boom', to: 'afterBoom' }],
    };
    const failFast = await runToEnd(await workflow(dag));
    assert.equal(failFast.status, 'FAILED', JSON.stringify(failFast));
    assert.match(failFast.statusReason ?? '', /node 'boom' failed/);
    assert.deepEqual(statuses(failFast), { boom: 'FAILED', slow: 'STOPPED', afterBoom: 'CANCELED' });
    const slowRun = await client.getInstance(nodeOf(failFast, 'slow').instanceId!);
    assert.equal(slowRun.status, 'STOPPED', 'the running sibling was stopped');

    const finishing = await runToEnd(await workflow(dag, { continueOnFailure: true }));
    assert.equal(finishing.status, 'FAILED', JSON.stringify(finishing));
    assert.deepEqual(statuses(finishing), { boom: 'FAILED', slow: 'SUCCEEDED', afterBoom: 'CANCELED' });
    assert.equal(finishing.context.slow, 'done');
  });

  it('retries a failed instance from its failed node: succeeded nodes do not run again', async () => {
    const first = await step({ set: { first: 1 } });
    const flaky = await step({ fail: true });
    const last = await step();
    const id = await workflow({
      nodes: [
        { id: 'first', type: 'JOB', jobId: first },
        { id: 'flaky', type: 'JOB', jobId: flaky },
        { id: 'last', type: 'JOB', jobId: last },
      ],
      edges: [
        { from: 'first', to: 'flaky' },
        { from: 'flaky', to: 'last' },
      ],
    });
    const failed = await runToEnd(id);
    assert.equal(failed.status, 'FAILED');
    assert.deepEqual(statuses(failed), { first: 'SUCCEEDED', flaky: 'FAILED', last: 'CANCELED' });
    // The job is fixed, then the instance retried.
    const job = await client.getJob(flaky);
    await client.updateJob(flaky, {
      name: job.name,
      processor: job.processor,
      executeType: job.executeType,
      timeExpressionType: job.timeExpressionType,
      jobParams: JSON.stringify({ set: { fixed: true } }),
    });
    await client.retryWorkflowInstance(failed.id);
    const done = await finished(failed.id);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal(nodeOf(done, 'flaky').attempt, 2);
    assert.equal(nodeOf(done, 'first').attempt, 1);
    assert.equal(await runsOf(first), 1, 'the succeeded node ran once');
    assert.equal(await runsOf(flaky), 2);
    assert.equal(await runsOf(last), 1);
    assert.deepEqual(stepResult(nodeOf(done, 'last')).context, { first: 1, fixed: true });
    await assert.rejects(client.retryWorkflowInstance(done.id), (err: unknown) => {
      assert.ok(err instanceof JobnestApiError && err.status === 409, String(err));
      return true;
    });
  });

  it('marks a failed node succeeded: the instance continues from there', async () => {
    const flaky = await step({ fail: true });
    const last = await step();
    const id = await workflow({
      nodes: [
        { id: 'flaky', type: 'JOB', jobId: flaky },
        { id: 'last', type: 'JOB', jobId: last },
      ],
      edges: [{ from: 'flaky', to: 'last' }],
    });
    const failed = await runToEnd(id);
    assert.equal(failed.status, 'FAILED');
    const marked = await client.markWorkflowNodeSucceeded(failed.id, 'flaky');
    assert.equal(nodeOf(marked, 'flaky').markedSucceeded, true);
    const done = await finished(failed.id);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.deepEqual(statuses(done), { flaky: 'SUCCEEDED', last: 'SUCCEEDED' });
    assert.equal(await runsOf(flaky), 1, 'marking does not run the node');
    assert.equal(await runsOf(last), 1);
  });

  it('stops an instance: running nodes are stopped, waiting ones canceled', async () => {
    const slow = await step({ sleepMs: 30_000 });
    const next = await step();
    const id = await workflow({
      nodes: [
        { id: 'slow', type: 'JOB', jobId: slow },
        { id: 'next', type: 'JOB', jobId: next },
      ],
      edges: [{ from: 'slow', to: 'next' }],
    });
    const { workflowInstanceId } = await client.runWorkflow(id);
    await waitUntil(
      async () => nodeOf(await client.getWorkflowInstance(workflowInstanceId), 'slow').status === 'RUNNING',
      20_000,
      'the slow node running',
    );
    const stopped = await client.stopWorkflowInstance(workflowInstanceId);
    assert.equal(stopped.status, 'STOPPED');
    assert.deepEqual(statuses(stopped), { slow: 'STOPPED', next: 'CANCELED' });
    const slowInstance = await client.getInstance(nodeOf(stopped, 'slow').instanceId!);
    assert.equal(slowInstance.status, 'STOPPED');
    assert.equal(await runsOf(next), 0);
  });

  it('launches a join once when its parallel parents end together, whichever servers move the workflow', async () => {
    const root = await step();
    const left = await step({ set: { left: 1 } });
    const right = await step({ set: { right: 1 } });
    const join = await step();
    const id = await workflow(diamondDag(['root', root], ['left', left], ['right', right], ['join', join]));
    const runs = 20;
    const ids = await Promise.all(
      Array.from({ length: runs }, async () => (await client.runWorkflow(id)).workflowInstanceId),
    );
    const done = await Promise.all(ids.map((wid) => finished(wid)));
    for (const instance of done) {
      assert.equal(instance.status, 'SUCCEEDED', JSON.stringify(instance));
      assert.deepEqual(stepResult(nodeOf(instance, 'join')).context, { left: 1, right: 1 });
    }
    assert.equal(await runsOf(join), runs, 'one join per workflow instance');
    const joins = (await client.listInstances({ jobId: join, size: 200 })).items;
    assert.ok(joins.every((i) => i.runningTimes === 1));
    // Both servers moved workflows (each consumes part of the reports), and together they committed one
    // transition per node end at least: both did the work, neither could double it.
    const committed = await Promise.all(
      cluster.serverUrls.map(async (url) =>
        sampleValue(await (await fetch(`${url}/metrics`)).text(), 'jobnest_workflow_transitions_total', {
          outcome: 'committed',
        }),
      ),
    );
    assert.ok(
      committed.every((n) => n > 0),
      `each server committed transitions: ${committed.join(', ')}`,
    );
  });

  it('refuses bad DAGs with 400 naming the problem', async () => {
    const job = await step();
    const bad: [string, WorkflowDag, RegExp][] = [
      [
        'cycle',
        {
          nodes: [
            { id: 'r', type: 'JOB', jobId: job },
            { id: 'a', type: 'JOB', jobId: job },
            { id: 'b', type: 'JOB', jobId: job },
          ],
          edges: [
            { from: 'r', to: 'a' },
            { from: 'a', to: 'b' },
            { from: 'b', to: 'a' },
          ],
        },
        /cycle/,
      ],
      [
        'no root',
        {
          nodes: [
            { id: 'a', type: 'JOB', jobId: job },
            { id: 'b', type: 'JOB', jobId: job },
          ],
          edges: [
            { from: 'a', to: 'b' },
            { from: 'b', to: 'a' },
          ],
        },
        /no root/,
      ],
      ['unknown job', { nodes: [{ id: 'a', type: 'JOB', jobId: 999_999 }], edges: [] }, /job 999999 does not exist/],
      [
        'unlabelled decision edge',
        {
          nodes: [
            { id: 'd', type: 'DECISION', expression: 'true' },
            { id: 'a', type: 'JOB', jobId: job },
          ],
          edges: [{ from: 'd', to: 'a' }],
        },
        /without a label/,
      ],
      [
        'bad CEL',
        { nodes: [{ id: 'd', type: 'DECISION', expression: 'context.amount >' }], edges: [] },
        /node 'd': expression does not compile/,
      ],
      [
        'CEL over an unknown variable',
        { nodes: [{ id: 'd', type: 'DECISION', expression: 'amount > 1' }], edges: [] },
        /Unknown variable: amount/,
      ],
      [
        'duplicate ids',
        {
          nodes: [
            { id: 'a', type: 'JOB', jobId: job },
            { id: 'a', type: 'JOB', jobId: job },
          ],
          edges: [],
        },
        /duplicate node id 'a'/,
      ],
      ['empty', { nodes: [], edges: [] }, /at least one node/],
    ];
    for (const [what, dag, message] of bad) {
      await assert.rejects(workflow(dag), (err: unknown) => {
        assert.ok(err instanceof JobnestApiError, `${what}: ${String(err)}`);
        assert.equal(err.status, 400, what);
        assert.match(err.message, message, what);
        return true;
      });
    }
  });

  it('refuses a job of another app and a nesting cycle with 400', async () => {
    const other = new JobnestClient({
      baseUrl: cluster.baseUrl,
      admin: { username: 'admin', password: 'admin-password' },
    });
    const otherApp = `other_${Math.random().toString(36).slice(2, 8)}`;
    await other.createApp(otherApp, 'other-password');
    await other.login(otherApp, 'other-password');
    const foreign = await other.createJob({
      name: 'foreign',
      processor: 'demo.workflow-step',
      executeType: 'STANDALONE',
      timeExpressionType: 'WORKFLOW',
    });
    await assert.rejects(
      workflow({ nodes: [{ id: 'a', type: 'JOB', jobId: foreign.id }], edges: [] }),
      (err: unknown) => {
        assert.ok(err instanceof JobnestApiError && err.status === 400, String(err));
        assert.match(err.message, new RegExp(`job ${foreign.id} does not exist in this app`));
        return true;
      },
    );
    const job = await step();
    const inner = await workflow({ nodes: [{ id: 'a', type: 'JOB', jobId: job }], edges: [] });
    const outer = await workflow({ nodes: [{ id: 'n', type: 'NESTED_WORKFLOW', workflowId: inner }], edges: [] });
    // inner now nests outer, which nests inner: a cycle.
    await assert.rejects(
      client.updateWorkflow(inner, {
        name: 'inner',
        timeExpressionType: 'API',
        dag: { nodes: [{ id: 'n', type: 'NESTED_WORKFLOW', workflowId: outer }], edges: [] },
      }),
      (err: unknown) => {
        assert.ok(err instanceof JobnestApiError && err.status === 400, String(err));
        assert.match(err.message, /cycle/);
        return true;
      },
    );
  });

  it('runs MAP_REDUCE and BROADCAST jobs as nodes: their reduce() and postProcess() add to the context', async () => {
    const sum = await client.createJob({
      name: 'sum-squares',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'WORKFLOW',
      jobParams: JSON.stringify({ n: 1000, chunk: 100 }),
    });
    const broadcast = await client.createJob({
      name: 'broadcast',
      processor: 'demo.broadcast',
      executeType: 'BROADCAST',
      timeExpressionType: 'WORKFLOW',
    });
    const after = await step();
    const id = await workflow({
      nodes: [
        { id: 'sum', type: 'JOB', jobId: sum.id },
        { id: 'everyone', type: 'JOB', jobId: broadcast.id },
        { id: 'after', type: 'JOB', jobId: after },
      ],
      edges: [
        { from: 'sum', to: 'after' },
        { from: 'everyone', to: 'after' },
      ],
    });
    const done = await runToEnd(id);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    // 1^2 + ... + 1000^2 = 1000 * 1001 * 2001 / 6; both workers answered the broadcast.
    assert.deepEqual(stepResult(nodeOf(done, 'after')).context, {
      sumSquares: 333_833_500,
      broadcastWorkers: ['w1', 'w2'],
    });
  });

  it("applies a node's params, retries and time limit instead of its job's", async () => {
    const job = await step({ set: { from: 'job' } });
    const id = await workflow({
      nodes: [
        { id: 'own', type: 'JOB', jobId: job, params: JSON.stringify({ set: { from: 'node' } }) },
        {
          id: 'retried',
          type: 'JOB',
          jobId: job,
          params: JSON.stringify({ fail: true }),
          instanceRetries: 2,
          skipWhenFailed: true,
        },
        {
          id: 'limited',
          type: 'JOB',
          jobId: job,
          params: JSON.stringify({ sleepMs: 20_000 }),
          instanceTimeLimitMs: 500,
          skipWhenFailed: true,
        },
      ],
      edges: [],
    });
    const done = await runToEnd(id);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal(done.context.from, 'node');
    const retried = await client.getInstance(nodeOf(done, 'retried').instanceId!);
    assert.equal(retried.status, 'FAILED');
    assert.equal(retried.runningTimes, 3, 'instanceRetries 2 of the node: 3 runs');
    const limited = nodeOf(done, 'limited');
    assert.equal(limited.status, 'FAILED');
    assert.match(limited.result ?? '', /instance time limit of 500 ms exceeded/);
  });

  it('fails a node whose additions exceed the context limit, saying so', async () => {
    const big = await step({ set: { blob: 'x'.repeat(70_000) } });
    const id = await workflow({ nodes: [{ id: 'big', type: 'JOB', jobId: big }], edges: [] });
    const done = await runToEnd(id);
    assert.equal(done.status, 'FAILED', JSON.stringify(done));
    assert.match(nodeOf(done, 'big').result ?? '', /over the limit of 65536 bytes/);
    assert.deepEqual(done.context, {});
  });

  it('starts a run with delayMs when it is due, and refuses initParams that are not a JSON object', async () => {
    const job = await step();
    const id = await workflow({ nodes: [{ id: 'only', type: 'JOB', jobId: job }], edges: [] });
    const asked = Date.now();
    const { workflowInstanceId } = await client.runWorkflow(id, { delayMs: 1500, initParams: '{"late":true}' });
    assert.equal((await client.getWorkflowInstance(workflowInstanceId)).status, 'WAITING');
    const done = await finished(workflowInstanceId);
    assert.equal(done.status, 'SUCCEEDED');
    assert.ok(done.actualTriggerTime! >= asked + 1500, `started ${done.actualTriggerTime! - asked} ms after the call`);
    assert.deepEqual(done.context, { late: true });
    await assert.rejects(client.runWorkflow(id, { initParams: '[1]' }), (err: unknown) => {
      assert.ok(err instanceof JobnestApiError && err.status === 400, String(err));
      assert.match(err.message, /initParams must be a JSON object/);
      return true;
    });
  });

  it('BUFFER_ONE keeps one slot waiting behind a running instance and starts it when that one ends', async () => {
    const slow = await step({ sleepMs: 2500 });
    const id = await workflow(
      { nodes: [{ id: 'slow', type: 'JOB', jobId: slow }], edges: [] },
      { timeExpressionType: 'FIXED_RATE', timeExpression: '1000', overlapPolicy: 'BUFFER_ONE' },
    );
    await waitUntil(
      async () => (await client.listWorkflowInstances({ workflowId: id, size: 50 })).total >= 3,
      20_000,
      'three instances of the workflow',
    );
    await client.disableWorkflow(id);
    await waitUntil(
      async () =>
        (await client.listWorkflowInstances({ workflowId: id, size: 50 })).items.every((w) => w.status === 'SUCCEEDED'),
      30_000,
      'every instance to succeed',
    );
    const instances = (await client.listWorkflowInstances({ workflowId: id, size: 50 })).items.sort(
      (a, b) => a.id - b.id,
    );
    // Never two at once: each started after the previous ended.
    for (let i = 1; i < instances.length; i++) {
      assert.ok(
        instances[i]!.actualTriggerTime! >= instances[i - 1]!.finishedTime!,
        `instance ${instances[i]!.id} started before ${instances[i - 1]!.id} ended`,
      );
    }
    const counted = await client.getWorkflow(id);
    assert.ok(counted.skippedSlots >= 1, `slots beyond the one buffered are skipped (${counted.skippedSlots})`);
  });

  it('BUFFER_ALL keeps slots waiting up to its limit, in order; CANCEL_OTHER stops the running instance', async () => {
    const slow = await step({ sleepMs: 2500 });
    const dag = { nodes: [{ id: 'slow', type: 'JOB' as const, jobId: slow }], edges: [] };
    const buffering = await workflow(dag, {
      timeExpressionType: 'FIXED_RATE',
      timeExpression: '1000',
      overlapPolicy: 'BUFFER_ALL',
      overlapBufferLimit: 2,
    });
    const replacing = await workflow(dag, {
      timeExpressionType: 'FIXED_RATE',
      timeExpression: '1000',
      overlapPolicy: 'CANCEL_OTHER',
    });
    let mostWaiting = 0;
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const items = (await client.listWorkflowInstances({ workflowId: buffering, size: 50 })).items;
      mostWaiting = Math.max(mostWaiting, items.filter((w) => w.status === 'WAITING').length);
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.disableWorkflow(buffering);
    await client.disableWorkflow(replacing);
    const ended = (w: { status: string }): boolean => ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(w.status);
    for (const id of [buffering, replacing]) {
      await waitUntil(
        async () => (await client.listWorkflowInstances({ workflowId: id, size: 50 })).items.every(ended),
        40_000,
        `every instance of workflow ${id} to end`,
      );
    }
    const buffered = (await client.listWorkflowInstances({ workflowId: buffering, size: 50 })).items.sort(
      (a, b) => a.id - b.id,
    );
    assert.equal(mostWaiting, 2, 'two slots waited at most (overlapBufferLimit)');
    assert.ok(
      buffered.every((w) => w.status === 'SUCCEEDED'),
      JSON.stringify(buffered.map((w) => w.status)),
    );
    for (let i = 1; i < buffered.length; i++) {
      assert.ok(buffered[i]!.actualTriggerTime! >= buffered[i - 1]!.finishedTime!, 'one at a time, in slot order');
    }
    assert.ok((await client.getWorkflow(buffering)).skippedSlots >= 1, 'slots past the limit are skipped');

    const replaced = (await client.listWorkflowInstances({ workflowId: replacing, size: 50 })).items;
    const stopped = replaced.filter((w) => w.status === 'STOPPED');
    assert.ok(stopped.length >= 3, `stopped ${stopped.length}: ${JSON.stringify(replaced.map((w) => w.status))}`);
    for (const w of stopped) assert.match(w.statusReason ?? '', /CANCEL_OTHER/);
    assert.equal((await client.getWorkflow(replacing)).skippedSlots, 0);
  });

  it('documents every workflow route in Swagger', async () => {
    const doc = (await (await fetch(`${cluster.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, object> };
    for (const path of [
      '/api/v1/workflows',
      '/api/v1/workflows/{id}',
      '/api/v1/workflows/{id}/enable',
      '/api/v1/workflows/{id}/disable',
      '/api/v1/workflows/{id}/run',
      '/api/v1/workflow-instances',
      '/api/v1/workflow-instances/{id}',
      '/api/v1/workflow-instances/{id}/stop',
      '/api/v1/workflow-instances/{id}/retry',
      '/api/v1/workflow-instances/{id}/nodes/{nodeId}/mark-succeeded',
    ]) {
      assert.ok(doc.paths[path], `Swagger documents ${path}`);
    }
  });

  it('answers 409 to a run over maxInstances, and SKIP counts the slots that come while an instance runs', async () => {
    const slow = await step({ sleepMs: 3000 });
    const limited = await workflow(
      { nodes: [{ id: 'slow', type: 'JOB', jobId: slow }], edges: [] },
      { maxInstances: 1 },
    );
    const { workflowInstanceId } = await client.runWorkflow(limited);
    await assert.rejects(client.runWorkflow(limited), (err: unknown) => {
      assert.ok(err instanceof JobnestApiError && err.status === 409, String(err));
      assert.match(err.message, /maxInstances=1/);
      return true;
    });
    await finished(workflowInstanceId);

    const skipping = await workflow(
      { nodes: [{ id: 'slow', type: 'JOB', jobId: slow, name: 'Slow step' }], edges: [] },
      { timeExpressionType: 'FIXED_RATE', timeExpression: '1000' }, // overlapPolicy: SKIP, the default
    );
    await waitUntil(
      async () => (await client.getWorkflow(skipping)).skippedSlots >= 2,
      20_000,
      'slots skipped while the first instance runs',
    );
    await client.disableWorkflow(skipping);
    const instances = (await client.listWorkflowInstances({ workflowId: skipping, size: 50 })).items;
    await Promise.all(instances.map((w) => finished(w.id)));
    const done = await Promise.all(instances.map((w) => client.getWorkflowInstance(w.id)));
    done.sort((a, b) => a.id - b.id);
    for (let i = 1; i < done.length; i++) {
      assert.ok(done[i]!.actualTriggerTime! >= done[i - 1]!.finishedTime!, 'SKIP never runs two at once');
    }
    // Triggers fire ahead of their slots; the instance still starts at its slot, not before.
    for (const w of done) assert.ok(w.actualTriggerTime! >= w.expectedTriggerTime, JSON.stringify(w));
    assert.equal(nodeOf(done[0]!, 'slow').name, 'Slow step', 'the display name');
  });

  it('a timed workflow disabled while its slot waits for its time starts nothing for that slot', async () => {
    const quick = await step();
    const timed = await workflow(
      { nodes: [{ id: 'quick', type: 'JOB', jobId: quick }], edges: [] },
      { timeExpressionType: 'FIXED_RATE', timeExpression: '1000', overlapPolicy: 'ALLOW_ALL' },
    );
    const slotsOf = async (): Promise<number[]> =>
      (await client.listWorkflowInstances({ workflowId: timed, size: 50 })).items.map((w) => w.expectedTriggerTime);
    let first: number | undefined;
    await waitUntil(
      async () => (first = (await slotsOf())[0]) !== undefined,
      10_000,
      'the first slot of the timed workflow',
    );
    // A workflow slot's trigger is taken 300-200 ms before it and waits for the slot to decide: disabled within
    // that wait, the slot must start nothing (it used to start with the row read before the wait).
    let slot = first! + 1000 * Math.ceil((Date.now() - first!) / 1000);
    if (slot - Date.now() < 400) slot += 1000;
    await sleep(slot - 100 - Date.now());
    await client.disableWorkflow(timed);
    assert.ok(Date.now() < slot, 'the disable was answered before the slot');
    await sleep(1500);
    const late = (await slotsOf()).filter((t) => t >= slot);
    assert.deepEqual(late, [], 'no instance for a slot after the disable');
    const after = await client.getWorkflow(timed);
    assert.deepEqual([after.skippedSlots, after.misfiredSlots], [0, 0], 'nothing counted either');
  });

  it('runs a MAP job as a node; refuses nesting deeper than the setting and deleting a nested workflow', async () => {
    const map = await client.createJob({
      name: 'map-only',
      processor: 'demo.sum-squares',
      executeType: 'MAP',
      timeExpressionType: 'WORKFLOW',
      jobParams: JSON.stringify({ n: 500, chunk: 100 }),
    });
    const mapFlow = await workflow({ nodes: [{ id: 'map', type: 'JOB', jobId: map.id }], edges: [] });
    const done = await runToEnd(mapFlow);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal(JSON.parse(nodeOf(done, 'map').result ?? '{}').succeeded, 6, 'the root task and 5 ranges');

    // A chain of nested workflows one level deeper than JOBNEST_WORKFLOW_MAX_NESTING (5) allows.
    let inner = mapFlow;
    for (let level = 1; level <= 5; level++) {
      inner = await workflow({ nodes: [{ id: 'n', type: 'NESTED_WORKFLOW', workflowId: inner }], edges: [] });
    }
    await assert.rejects(
      workflow({ nodes: [{ id: 'n', type: 'NESTED_WORKFLOW', workflowId: inner }], edges: [] }),
      (err: unknown) => {
        assert.ok(err instanceof JobnestApiError && err.status === 400, String(err));
        assert.match(err.message, /deeper than 5 levels/);
        return true;
      },
    );
    await assert.rejects(client.deleteWorkflow(mapFlow), (err: unknown) => {
      assert.ok(err instanceof JobnestApiError && err.status === 409, String(err));
      assert.match(err.message, new RegExp(`workflow ${mapFlow} is nested in workflow`));
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobnestClient, Page, Workflow, WorkflowInput, WorkflowInstance, WorkflowNodeRun } from '@jobnest/client';
import { runCliProcess, type Finished } from '../support/cli-process';
import { TestCluster, waitUntil } from '../support/cluster';
import { chainDag, createStepJob, type StepParams } from '../support/workflow-steps';

/** What demo.workflow-step returns: the node it ran as and the context it read. */
interface StepResult {
  node: string | null;
  context: Record<string, unknown> | null;
  failed?: boolean;
}

function nodeOf(instance: WorkflowInstance, id: string): WorkflowNodeRun {
  const node = instance.nodes.find((n) => n.id === id);
  assert.ok(node, `no node ${id}`);
  return node;
}

function stepResult(instance: WorkflowInstance, id: string): StepResult {
  const node = nodeOf(instance, id);
  assert.ok(node.result, `node ${id} has no result (${node.status}: ${node.reason ?? ''})`);
  return JSON.parse(node.result) as StepResult;
}

function statuses(instance: WorkflowInstance): Record<string, string> {
  return Object.fromEntries(instance.nodes.map((n) => [n.id, n.status]));
}

/** README "CLI": the `workflows` and `workflow-instances` commands against a real server and worker. */
describe('the jobnest CLI for workflows', () => {
  const cluster = new TestCluster();
  let client: JobnestClient;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'jobnest-wf-cli-'));

  before(async () => {
    await cluster.start();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1' });
    env = { JOBNEST_URL: cluster.baseUrl, JOBNEST_APP: cluster.appName, JOBNEST_PASSWORD: cluster.appPassword };
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await cluster.close();
  });

  const cli = (args: string[], input?: string) => runCliProcess(args, env, 90_000, input);
  const shown = (run: Finished) => `exit ${run.code}\n${run.stdout}\n${run.stderr}\n${cluster.dump()}`;

  const step = (name: string, params?: StepParams) => createStepJob(client, params, name);

  /** A workflow of two JOB nodes, A -> B. */
  function twoSteps(name: string, jobA: number, jobB: number): WorkflowInput {
    return {
      name,
      timeExpressionType: 'API',
      dag: chainDag(['A', jobA], ['B', jobB]),
    };
  }

  /** Writes `value` as JSON to a file of the test's directory and returns its path. */
  function jsonFile(name: string, value: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  }

  async function finished(workflowInstanceId: number): Promise<WorkflowInstance> {
    try {
      return await client.waitForWorkflowInstance(workflowInstanceId, { timeoutMs: 60_000 });
    } catch (err) {
      const now = await client.getWorkflowInstance(workflowInstanceId).catch(() => null);
      throw new Error(`${String(err)}\n${JSON.stringify(now, null, 1)}\n${cluster.dump()}`, { cause: err });
    }
  }

  let workflowId: number;

  it('creates a workflow from a file, lists it, runs it with --params --wait to SUCCEEDED and shows the instance', async () => {
    const job = await step('cli-step', { set: { seen: 'yes' } });
    const file = jsonFile('workflow.json', twoSteps('cli-wf', job, job));

    const created = await cli(['workflows', 'create', '--file', file]);
    assert.equal(created.code, 0, shown(created));
    const workflow = JSON.parse(created.stdout) as Workflow;
    workflowId = workflow.id;
    assert.equal(workflow.name, 'cli-wf');
    assert.equal(workflow.enabled, true);
    assert.deepEqual(workflow.dag.edges, [{ from: 'A', to: 'B' }]);
    const stored = await client.getWorkflow(workflow.id);
    assert.deepEqual(
      stored.dag.nodes.map((n) => [n.id, n.type, n.jobId]),
      [
        ['A', 'JOB', job],
        ['B', 'JOB', job],
      ],
      'the server has it',
    );

    const listed = await cli(['workflows', 'list']);
    assert.equal(listed.code, 0, shown(listed));
    const page = JSON.parse(listed.stdout) as Page<Workflow>;
    assert.equal(page.total, 1);
    assert.deepEqual(
      page.items.map((w) => [w.id, w.name]),
      [[workflow.id, 'cli-wf']],
    );

    const got = await cli(['workflows', 'get', String(workflow.id)]);
    assert.equal(got.code, 0, shown(got));
    assert.deepEqual(JSON.parse(got.stdout), stored);

    const run = await cli([
      'workflows',
      'run',
      String(workflow.id),
      '--params',
      '{"x":1}',
      '--wait',
      '--timeout',
      '60000',
    ]);
    assert.equal(run.code, 0, shown(run));
    const [idLine, ...rest] = run.stdout.trim().split('\n');
    assert.match(idLine, /^\d+$/);
    const instanceId = Number(idLine);
    const instance = await client.getWorkflowInstance(instanceId);
    assert.equal(instance.workflowId, workflow.id);
    assert.equal(instance.status, 'SUCCEEDED');
    // The workflow's result: its last node's result, by node id.
    const result = JSON.stringify({ B: JSON.stringify({ node: 'B', context: { x: 1, seen: 'yes' } }) });
    assert.equal(instance.result, result);
    assert.deepEqual(rest, ['status: SUCCEEDED', `result: ${result}`]);

    const shownInstance = await cli(['workflow-instances', 'get', String(instanceId)]);
    assert.equal(shownInstance.code, 0, shown(shownInstance));
    const view = JSON.parse(shownInstance.stdout) as WorkflowInstance;
    assert.equal(view.id, instanceId);
    assert.equal(view.status, 'SUCCEEDED');
    assert.equal(view.initParams, '{"x":1}');
    assert.deepEqual(statuses(view), { A: 'SUCCEEDED', B: 'SUCCEEDED' });
    // --params is the context A starts with; what A adds is B's too.
    assert.deepEqual(stepResult(view, 'A'), { node: 'A', context: { x: 1 } });
    assert.deepEqual(stepResult(view, 'B'), { node: 'B', context: { x: 1, seen: 'yes' } });
    assert.deepEqual(view.context, { x: 1, seen: 'yes' });

    const ofWorkflow = await cli([
      'workflow-instances',
      'list',
      '--workflow',
      String(workflow.id),
      '--status',
      'succeeded',
    ]);
    assert.equal(ofWorkflow.code, 0, shown(ofWorkflow));
    const instances = JSON.parse(ofWorkflow.stdout) as Page<WorkflowInstance>;
    assert.equal(instances.total, 1);
    assert.deepEqual(
      instances.items.map((i) => [i.id, i.status]),
      [[instanceId, 'SUCCEEDED']],
    );
    const noneFailed = await cli([
      'workflow-instances',
      'list',
      '--workflow',
      String(workflow.id),
      '--status',
      'FAILED',
    ]);
    assert.equal(noneFailed.code, 0, shown(noneFailed));
    assert.equal((JSON.parse(noneFailed.stdout) as Page<WorkflowInstance>).total, 0);
  });

  it('disables, enables, replaces (from stdin) and deletes a workflow', async () => {
    const disabled = await cli(['workflows', 'disable', String(workflowId)]);
    assert.equal(disabled.code, 0, shown(disabled));
    assert.equal((JSON.parse(disabled.stdout) as Workflow).enabled, false);
    assert.equal((await client.getWorkflow(workflowId)).enabled, false);

    const enabled = await cli(['workflows', 'enable', String(workflowId)]);
    assert.equal(enabled.code, 0, shown(enabled));
    assert.equal((JSON.parse(enabled.stdout) as Workflow).enabled, true);
    assert.equal((await client.getWorkflow(workflowId)).enabled, true);

    const job = await step('cli-single');
    const replacement: WorkflowInput = {
      name: 'cli-wf-renamed',
      description: 'one node now',
      timeExpressionType: 'API',
      dag: { nodes: [{ id: 'only', type: 'JOB', jobId: job }], edges: [] },
    };
    const updated = await cli(['workflows', 'update', String(workflowId), '--file', '-'], JSON.stringify(replacement));
    assert.equal(updated.code, 0, shown(updated));
    assert.equal((JSON.parse(updated.stdout) as Workflow).name, 'cli-wf-renamed');
    const stored = await client.getWorkflow(workflowId);
    assert.equal(stored.name, 'cli-wf-renamed');
    assert.equal(stored.description, 'one node now');
    assert.deepEqual(
      stored.dag.nodes.map((n) => n.id),
      ['only'],
    );

    const deleted = await cli(['workflows', 'delete', String(workflowId)]);
    assert.equal(deleted.code, 0, shown(deleted));
    assert.equal(deleted.stdout, `Deleted workflow ${workflowId}\n`);
    const gone = await cli(['workflows', 'get', String(workflowId)]);
    assert.equal(gone.code, 1, shown(gone));
    assert.equal(
      gone.stderr,
      `jobnest: workflow ${workflowId} not found (404 Not Found, GET /api/v1/workflows/${workflowId})\n`,
    );
  });

  it('exits 1 when the workflow it waited for failed; retry and mark-succeeded take failed instances to SUCCEEDED', async () => {
    const failing = await step('cli-failing', { fail: true });
    const ok = await step('cli-ok', { set: { after: 'B' } });
    const file = jsonFile('failing.json', twoSteps('cli-wf-failing', failing, ok));
    const created = await cli(['workflows', 'create', '--file', file]);
    assert.equal(created.code, 0, shown(created));
    const id = (JSON.parse(created.stdout) as Workflow).id;

    // Waited for: the failure is printed and the exit code says so.
    const run = await cli(['workflows', 'run', String(id), '--wait']);
    assert.equal(run.code, 1, shown(run));
    const [idLine, ...rest] = run.stdout.trim().split('\n');
    const toRetry = Number(idLine);
    const failed = await client.getWorkflowInstance(toRetry);
    assert.equal(failed.status, 'FAILED');
    assert.deepEqual(statuses(failed), { A: 'FAILED', B: 'CANCELED' });
    const reason = `node 'A' failed: ${JSON.stringify({ node: 'A', context: {}, failed: true })}`;
    assert.equal(failed.statusReason, reason);
    assert.deepEqual(rest, ['status: FAILED', 'result: {}', `reason: ${reason}`]);

    // Not waited for: only the id is printed.
    const second = await cli(['workflows', 'run', String(id)]);
    assert.equal(second.code, 0, shown(second));
    assert.match(second.stdout, /^\d+\n$/);
    const toMark = Number(second.stdout);
    assert.equal((await finished(toMark)).status, 'FAILED');

    // mark-succeeded: A counts as succeeded without running again, and B runs.
    const marked = await cli(['workflow-instances', 'mark-succeeded', String(toMark), 'A']);
    assert.equal(marked.code, 0, shown(marked));
    const markedView = JSON.parse(marked.stdout) as WorkflowInstance;
    assert.equal(markedView.id, toMark);
    assert.equal(nodeOf(markedView, 'A').markedSucceeded, true);
    assert.equal(nodeOf(markedView, 'A').reason?.startsWith('marked succeeded by user (was FAILED'), true);
    const markedDone = await finished(toMark);
    assert.equal(markedDone.status, 'SUCCEEDED', JSON.stringify(markedDone));
    assert.deepEqual(statuses(markedDone), { A: 'SUCCEEDED', B: 'SUCCEEDED' });
    assert.equal(nodeOf(markedDone, 'A').attempt, 1);
    assert.deepEqual(stepResult(markedDone, 'B'), { node: 'B', context: {} });

    // retry: after the job is fixed, the failed node runs again (attempt 2) and the instance succeeds.
    const job = await client.getJob(failing);
    await client.updateJob(failing, {
      name: job.name,
      processor: job.processor,
      executeType: job.executeType,
      timeExpressionType: job.timeExpressionType,
      jobParams: JSON.stringify({ set: { fixed: true } }),
    });
    const retried = await cli(['workflow-instances', 'retry', String(toRetry)]);
    assert.equal(retried.code, 0, shown(retried));
    const retriedView = JSON.parse(retried.stdout) as WorkflowInstance;
    assert.equal(retriedView.id, toRetry);
    assert.equal(nodeOf(retriedView, 'A').attempt, 2, 'the failed node got a new attempt');
    const retriedDone = await finished(toRetry);
    assert.equal(retriedDone.status, 'SUCCEEDED', JSON.stringify(retriedDone));
    assert.deepEqual(statuses(retriedDone), { A: 'SUCCEEDED', B: 'SUCCEEDED' });
    assert.equal(nodeOf(retriedDone, 'A').attempt, 2);
    assert.deepEqual(stepResult(retriedDone, 'B'), { node: 'B', context: { fixed: true } });
    assert.equal((await client.listInstances({ jobId: failing })).total, 3, 'two failed runs and the retry');
    assert.equal((await client.listInstances({ jobId: ok })).total, 2, 'B ran once per instance');

    const ofWorkflow = await cli(['workflow-instances', 'list', '--workflow', String(id)]);
    assert.equal(ofWorkflow.code, 0, shown(ofWorkflow));
    const instances = JSON.parse(ofWorkflow.stdout) as Page<WorkflowInstance>;
    assert.equal(instances.total, 2, 'only the instances of this workflow');
    assert.deepEqual(
      instances.items.map((i) => i.id).sort((a, b) => a - b),
      [toRetry, toMark],
    );

    // A SUCCEEDED instance cannot be retried: the server's 409 is printed.
    const again = await cli(['workflow-instances', 'retry', String(toRetry)]);
    assert.equal(again.code, 1, shown(again));
    assert.equal(
      again.stderr,
      `jobnest: workflow instance ${toRetry} is SUCCEEDED: only a FAILED or STOPPED one can be retried` +
        ` (409 Conflict, POST /api/v1/workflow-instances/${toRetry}/retry)\n`,
    );
  });

  it('stops a running workflow instance', async () => {
    const slow = await step('cli-slow', { sleepMs: 30_000 });
    const next = await step('cli-next');
    const id = (await client.createWorkflow(twoSteps('cli-wf-slow', slow, next))).id;
    const { workflowInstanceId } = await client.runWorkflow(id);
    await waitUntil(
      async () => nodeOf(await client.getWorkflowInstance(workflowInstanceId), 'A').status === 'RUNNING',
      20_000,
      'node A running',
    );
    const stopped = await cli(['workflow-instances', 'stop', String(workflowInstanceId)]);
    assert.equal(stopped.code, 0, shown(stopped));
    const view = JSON.parse(stopped.stdout) as WorkflowInstance;
    assert.equal(view.status, 'STOPPED');
    assert.deepEqual(statuses(view), { A: 'STOPPED', B: 'CANCELED' });
    assert.equal((await client.getWorkflowInstance(workflowInstanceId)).status, 'STOPPED');
  });

  it('prints the server 400 for a cyclic workflow file and exits 1; usage errors exit 2', async () => {
    const job = await step('cli-cycle');
    const file = jsonFile('cycle.json', {
      name: 'cli-cycle',
      timeExpressionType: 'API',
      dag: {
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
    });
    const workflowsBefore = (await client.listWorkflows()).total;
    const refused = await cli(['workflows', 'create', '--file', file]);
    assert.equal(refused.code, 1, shown(refused));
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      "jobnest: dag: the DAG has a cycle through node 'a' (400 Bad Request, POST /api/v1/workflows)\n",
    );
    assert.equal((await client.listWorkflows()).total, workflowsBefore, 'nothing was created');

    const usage: [string[], string][] = [
      [
        ['workflow-instances', 'list', '--status', 'bogus'],
        "--status must be one of WAITING, RUNNING, SUCCEEDED, FAILED, STOPPED, got 'bogus'",
      ],
      [['workflow-instances', 'list', '--workflow', 'x'], "<--workflow> must be a positive integer, got 'x'"],
      [['workflow-instances', 'list', '--job', '1'], "'workflow-instances list' does not take --job"],
      [
        ['workflow-instances', 'mark-succeeded', '1'],
        'missing <nodeId>; usage: jobnest workflow-instances mark-succeeded <id> <nodeId>',
      ],
      [['workflows', 'run', '1', '--timeout', '5'], '--timeout only applies with --wait'],
      [['workflows', 'create'], '--file <path> is required (a WorkflowInput JSON file, or - for stdin)'],
      [
        ['workflows', 'frobnicate'],
        "unknown workflows command 'frobnicate'; expected one of: list, get, create, update, enable, disable, delete, run",
      ],
    ];
    for (const [args, message] of usage) {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${shown(run)}`);
      assert.equal(run.stderr, `jobnest: ${message}\nRun 'jobnest --help' for usage.\n`, args.join(' '));
    }
  });
});

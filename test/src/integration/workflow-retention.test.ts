import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { purgeExpiredInstances, purgeExpiredWorkflowInstances } from '@jobnest/server/internal';
import { migratedDatabase } from '../support/migrated-database';

/**
 * Workflow instances under JOBNEST_INSTANCE_RETENTION_MS, against real MariaDB: finished ones past the retention
 * go, a nested child only after its parent; a node's job instance stays while its workflow instance exists.
 */
describe('workflow instance retention', () => {
  const database = migratedDatabase();

  async function workflowInstance(status: string, finishedTime: number | null, parent: number | null = null) {
    const r = (await database.db().query(
      `INSERT INTO workflow_instance (app_id, workflow_id, status, dag, node_states, context, expected_trigger_time,
         status_time, finished_time, parent_instance_id, parent_node_id, parent_attempt)
       VALUES (1, 1, ?, '{"nodes":[],"edges":[]}', '{}', '{}', 0, 0, ?, ?, ?, ?)`,
      [status, finishedTime, parent, parent === null ? null : 'n', parent === null ? null : 1],
    )) as { insertId: number };
    return r.insertId;
  }

  async function nodeInstance(workflowInstanceId: number, finishedTime: number): Promise<number> {
    const r = (await database.db().query(
      `INSERT INTO instance_info (app_id, job_id, status, expected_trigger_time, status_time, finished_time,
         wf_instance_id, wf_node_id, wf_attempt)
       VALUES (1, 1, 'SUCCEEDED', 0, 0, ?, ?, 'a', 1)`,
      [finishedTime, workflowInstanceId],
    )) as { insertId: number };
    return r.insertId;
  }

  async function exists(table: 'workflow_instance' | 'instance_info', id: number): Promise<boolean> {
    const rows = (await database.db().query(`SELECT id FROM ${table} WHERE id = ?`, [id])) as unknown[];
    return rows.length === 1;
  }

  it('deletes finished workflow instances past the retention, children after their parent, nodes after both', async () => {
    const now = Date.now();
    const oldParent = await workflowInstance('FAILED', now - 10_000);
    const oldChild = await workflowInstance('SUCCEEDED', now - 11_000, oldParent);
    const oldNode = await nodeInstance(oldParent, now - 12_000);
    const running = await workflowInstance('RUNNING', null);
    const runningNode = await nodeInstance(running, now - 12_000);
    const recent = await workflowInstance('SUCCEEDED', now - 1000);
    const childOfRecent = await workflowInstance('SUCCEEDED', now - 9000, recent);

    // While its workflow instance exists, an old node instance stays.
    assert.deepEqual(await purgeExpiredInstances(database.db(), 5000, now), { instances: 0, logLines: 0, tasks: 0 });
    assert.equal(await exists('instance_info', oldNode), true);

    // The parent goes in the first batch, its child in the next one.
    assert.equal(await purgeExpiredWorkflowInstances(database.db(), 5000, now), 2);
    assert.equal(await exists('workflow_instance', oldParent), false);
    assert.equal(await exists('workflow_instance', oldChild), false);
    assert.equal(await exists('workflow_instance', running), true, 'unfinished stays');
    assert.equal(await exists('workflow_instance', recent), true, 'recent stays');
    assert.equal(await exists('workflow_instance', childOfRecent), true, 'a child stays while its parent does');

    // Now the node instance of the purged workflow instance goes; the running one's stays.
    assert.deepEqual(await purgeExpiredInstances(database.db(), 5000, now), { instances: 1, logLines: 0, tasks: 0 });
    assert.equal(await exists('instance_info', oldNode), false);
    assert.equal(await exists('instance_info', runningNode), true);

    assert.equal(await purgeExpiredWorkflowInstances(database.db(), 0, now + 1e9), 0, '0 keeps everything');
  });
});

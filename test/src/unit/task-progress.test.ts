import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskCounts } from '@jobnest/common';
// Internal to the SDK (not exported from its index): a TaskTracker's counts and their RUNNING reports.
import { TaskProgress } from '@jobnest/worker/internal';

describe('TaskProgress', () => {
  it('moves tasks between columns and reports only when the counts changed, with a copy', () => {
    const reports: TaskCounts[] = [];
    const progress = new TaskProgress((c) => reports.push(c));
    progress.replace({ total: 1, waiting: 1, running: 0, succeeded: 0, failed: 0 });
    progress.reportIfChanged();
    progress.reportIfChanged();
    assert.equal(reports.length, 1);
    progress.add(3);
    progress.move('waiting', 'running', 4);
    progress.move('running', 'succeeded', 1);
    progress.reportIfChanged();
    assert.deepEqual(reports[1], { total: 4, waiting: 0, running: 3, succeeded: 1, failed: 0 });
    progress.move('running', 'failed', 1);
    assert.equal(reports[1]!.failed, 0, 'reports are copies');
    const snapshot = progress.snapshot();
    progress.move('running', 'waiting', 2);
    assert.deepEqual(snapshot, { total: 4, waiting: 0, running: 2, succeeded: 1, failed: 1 });
    assert.deepEqual(progress.counts, { total: 4, waiting: 2, running: 0, succeeded: 1, failed: 1 });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { resolveWorkerOptions } from '@jobnest/worker';
import { ServerConfig } from '@jobnest/server/internal';

const DEV = { JOBNEST_DEV: '1' };

/** The retention settings of the server and the worker's log buffer bound: defaults, 0 and bad values. */
describe('retention settings', () => {
  it("default to 30 days of instances, 7 days of logs, 1 hour of gone workers' queues, a pass a minute", () => {
    const c = new ServerConfig(DEV);
    assert.equal(c.instanceRetentionMs, 30 * 86_400_000);
    assert.equal(c.logRetentionMs, 7 * 86_400_000);
    assert.equal(c.workerQueueRetentionMs, 3_600_000);
    assert.equal(c.retentionIntervalMs, 60_000);
  });

  it('take 0 (keep forever) for instances and logs, not for worker queues', () => {
    const c = new ServerConfig({ ...DEV, JOBNEST_INSTANCE_RETENTION_MS: '0', JOBNEST_LOG_RETENTION_MS: '0' });
    assert.equal(c.instanceRetentionMs, 0);
    assert.equal(c.logRetentionMs, 0);
    assert.throws(
      () => new ServerConfig({ ...DEV, JOBNEST_WORKER_QUEUE_RETENTION_MS: '0' }),
      /JOBNEST_WORKER_QUEUE_RETENTION_MS must be between 1000/,
    );
  });

  for (const setting of [
    'JOBNEST_INSTANCE_RETENTION_MS',
    'JOBNEST_LOG_RETENTION_MS',
    'JOBNEST_RETENTION_INTERVAL_MS',
  ]) {
    it(`refuses a bad ${setting}, naming it`, () => {
      assert.throws(
        () => new ServerConfig({ ...DEV, [setting]: '7d' }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.setting === setting &&
          /must be a whole number \(got '7d'\)/.test(err.message),
      );
      assert.throws(
        () => new ServerConfig({ ...DEV, [setting]: '-5' }),
        (err: unknown) => err instanceof ConfigError && err.setting === setting,
      );
    });
  }

  it('bounds the worker log buffer between 1 MiB and 1 GiB, 16 MiB by default', () => {
    const base = { appName: 'a', password: 'p' };
    assert.equal(resolveWorkerOptions(base).logBufferMaxBytes, 16 * 1024 * 1024);
    assert.equal(
      resolveWorkerOptions({ ...base, logBufferMaxBytes: 2 * 1024 * 1024 }).logBufferMaxBytes,
      2 * 1024 * 1024,
    );
    for (const bad of [1000, 2 * 1024 * 1024 * 1024, 1.5e6 + 0.5]) {
      assert.throws(
        () => resolveWorkerOptions({ ...base, logBufferMaxBytes: bad }),
        (err: unknown) => err instanceof ConfigError && err.setting === 'logBufferMaxBytes',
      );
    }
  });
});

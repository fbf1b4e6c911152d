import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCodeWithin, startProcess } from '../support/child-process';
import { REPO_ROOT, TestCluster, WORKER_MAIN } from '../support/cluster';

const DUPLICATE_MAIN = join(REPO_ROOT, 'apps', 'worker', 'dist', 'duplicate-processors.main.js');
const SERVER_MAIN = join(REPO_ROOT, 'apps', 'server', 'dist', 'main.js');

/** Processes refuse to start on bad settings, wrong credentials or ambiguous processors, and say why. */
describe('process start-up checks', () => {
  const cluster = new TestCluster();

  before(async () => {
    await cluster.start();
  });

  after(async () => {
    await cluster.close();
  });

  it('stops a worker with a wrong password', async () => {
    const worker = startProcess(
      'bad-password',
      WORKER_MAIN,
      cluster.workerEnv({ workerId: 'bad1' }, cluster.appName, 'not-the-password'),
    );
    assert.equal(await exitCodeWithin(worker), 1);
    assert.match(worker.logs, /password is wrong/);
  });

  it('stops a worker of an unknown app', async () => {
    const worker = startProcess(
      'bad-app',
      WORKER_MAIN,
      cluster.workerEnv({ workerId: 'bad2' }, 'no-such-app', 'whatever'),
    );
    assert.equal(await exitCodeWithin(worker), 1);
    assert.match(worker.logs, /no-such-app/);
  });

  it('refuses to boot with two processors of one name, naming both classes', async () => {
    const worker = startProcess('duplicate', DUPLICATE_MAIN, cluster.workerEnv({ workerId: 'dup1' }));
    assert.equal(await exitCodeWithin(worker), 1);
    assert.match(worker.logs, /demo\.duplicate/);
    assert.match(worker.logs, /FirstDuplicateProcessor/);
    assert.match(worker.logs, /SecondDuplicateProcessor/);
  });

  it('stops a worker whose setting is malformed, naming the setting', async () => {
    const env = { ...cluster.workerEnv({ workerId: 'cfg1' }), JOBNEST_HEARTBEAT_INTERVAL_MS: 'often' };
    const worker = startProcess('bad-setting', WORKER_MAIN, env);
    assert.equal(await exitCodeWithin(worker), 1);
    assert.match(worker.logs, /JOBNEST_HEARTBEAT_INTERVAL_MS/);
  });

  it('stops a server whose setting is malformed, naming the setting', async () => {
    const server = startProcess('bad-server', SERVER_MAIN, {
      ...cluster.serverEnv(7999),
      JOBNEST_REDIS_URL: 'localhost:6379',
    });
    assert.equal(await exitCodeWithin(server), 1);
    assert.match(server.logs, /Invalid configuration: JOBNEST_REDIS_URL/);
  });
});

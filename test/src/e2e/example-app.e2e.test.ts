import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, TestCluster } from '../support/cluster';

const EXAMPLE_DIR = join(REPO_ROOT, 'examples', 'hello-worker');

/** The example app outside the workspace installs the SDK as packed packages, builds, and runs a job. */
describe('example app using the SDK as a package', () => {
  const cluster = new TestCluster();

  before(async () => {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'prepare-example.sh')], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
      timeout: 300_000,
    });
    await cluster.start();
  });

  after(async () => {
    await cluster.close();
  });

  it('installs @jobnest/worker from a tarball, not through the workspace', async () => {
    const resolved = execFileSync(process.execPath, ['-p', "require.resolve('@jobnest/worker')"], { cwd: EXAMPLE_DIR })
      .toString()
      .trim();
    assert.ok(resolved.startsWith(join(EXAMPLE_DIR, 'node_modules')), resolved);
  });

  it("runs a job on the example's own processor", async () => {
    await cluster.startWorker({
      workerId: 'example-1',
      script: join(EXAMPLE_DIR, 'dist', 'main.js'),
      cwd: EXAMPLE_DIR,
    });
    const job = await cluster.client.createJob({
      name: 'greet',
      processor: 'example.greet',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(job.id, { instanceParams: 'tester' });
    const instance = await cluster.client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(instance.status, 'SUCCEEDED', cluster.dump());
    assert.equal(instance.result, 'greetings, tester');
    assert.equal(instance.workerId, 'example-1');
  });
});

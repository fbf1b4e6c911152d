import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { JobnestClient } from '@jobnest/client';
import {
  InstanceStatus,
  LogLevel,
  type Heartbeat,
  type InstanceStatusReport,
  type LogBatch,
  type CommandBatchCommand,
  type RunInstanceCommand,
  type SingleWorkerCommand,
} from '@jobnest/common';
import { encodeMessage, MESSAGE_FIELD, workerQueueName } from '@jobnest/transport';
import { TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';

const PROCESSOR = 'legacy.echo';

function heartbeatOf(workerId: string, appId: number, appName: string, features: string[]): Heartbeat {
  return {
    kind: 'Heartbeat',
    workerId,
    appId,
    appName,
    host: 'old-host',
    pid: 1,
    tags: [],
    processors: [PROCESSOR],
    metrics: { cpuCores: 2, cpuLoad: 0, memoryTotalMb: 1000, memoryFreeMb: 500, processRssMb: 100 },
    runningInstances: 0,
    maxConcurrentInstances: 10,
    time: Date.now(),
    shuttingDown: false,
    sdkVersion: '0.0.1-before-hash-tags',
    features,
  };
}

/**
 * A worker of the version before hash tags, as it spoke to Redis: heartbeats, reports and log lines on the shared
 * `<prefix>:stream:*` streams, commands on `jobnest-worker-<id>` under the plain prefix, no `app-keys` feature.
 */
class OlderWorker {
  /** The commands it received, by kind, CommandBatch jobs unpacked. */
  readonly received: string[] = [];
  private readonly redis: Redis;
  private readonly bullConnection: Redis;
  private readonly worker: Worker;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: TestCluster,
    readonly workerId: string,
  ) {
    this.redis = new Redis(cluster.ns.redisUrl);
    this.bullConnection = new Redis(cluster.ns.redisUrl, { maxRetriesPerRequest: null });
    this.worker = new Worker(workerQueueName(workerId), (job) => this.handle(job), {
      connection: this.bullConnection,
      prefix: cluster.ns.prefix,
    });
  }

  async start(): Promise<void> {
    const beat = (): Promise<unknown> =>
      this.redis.xadd(
        `${this.cluster.ns.prefix}:stream:heartbeats`,
        '*',
        MESSAGE_FIELD,
        encodeMessage(heartbeatOf(this.workerId, this.cluster.appId, this.cluster.appName, ['command-batch'])),
      );
    await beat();
    this.timer = setInterval(() => void beat(), 500);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker.close();
    this.bullConnection.disconnect();
    this.redis.disconnect();
  }

  private async handle(job: Job): Promise<void> {
    const commands =
      job.name === 'CommandBatch' ? (job.data as CommandBatchCommand).commands : [job.data as SingleWorkerCommand];
    for (const command of commands) {
      this.received.push(command.kind);
      if (command.kind === 'RunInstance') await this.run(command);
    }
  }

  private async run(run: RunInstanceCommand): Promise<void> {
    const prefix = this.cluster.ns.prefix;
    const report = (
      status: InstanceStatus.RUNNING | InstanceStatus.SUCCEEDED,
      result: string | null,
    ): InstanceStatusReport => ({
      kind: 'InstanceStatusReport',
      instanceId: run.instanceId,
      workerId: this.workerId,
      runningTimes: run.runningTimes,
      status,
      result,
      time: Date.now(),
    });
    const logs: LogBatch = {
      kind: 'LogBatch',
      workerId: this.workerId,
      lines: [
        { instanceId: run.instanceId, time: Date.now(), level: LogLevel.INFO, message: 'said by an older worker' },
      ],
    };
    await this.redis.xadd(`${prefix}:stream:logs`, '*', MESSAGE_FIELD, encodeMessage(logs));
    await this.redis.xadd(
      `${prefix}:stream:instance-status`,
      '*',
      MESSAGE_FIELD,
      encodeMessage(report(InstanceStatus.RUNNING, null)),
    );
    await this.redis.xadd(
      `${prefix}:stream:instance-status`,
      '*',
      MESSAGE_FIELD,
      encodeMessage(report(InstanceStatus.SUCCEEDED, `done: ${run.instanceParams}`)),
    );
  }
}

/**
 * Moving a running single-Redis deployment to the hash-tagged key layout: servers of this version keep a worker of
 * the version before going (its commands under the old queue name, its reports read from the old shared streams),
 * move the old single keys, and delete the server queues older servers left; and a heartbeat is believed only on
 * its own app's stream.
 */
describe('key layout upgrade', () => {
  const cluster = new TestCluster({ JOBNEST_RETENTION_INTERVAL_MS: '500', JOBNEST_WORKER_QUEUE_RETENTION_MS: '2000' });
  let redis: Redis;
  let older: OlderWorker | undefined;

  before(async () => {
    redis = new Redis(cluster.ns.redisUrl);
    const prefix = cluster.ns.prefix;
    // What servers of the version before left in Redis: the last-seen record, and a trigger queue with a job.
    await redis.zadd(`${prefix}:workers:last-seen`, Date.now(), 'a-worker-of-before');
    const oldTriggers = new Queue('jobnest-trigger', { connection: redis, prefix });
    await oldTriggers.add('leftover', {}, { delay: 3_600_000 });
    await oldTriggers.close();
    await cluster.start();
  });

  after(async () => {
    await older?.stop();
    redis.disconnect();
    await cluster.close();
  });

  it('moves the old last-seen record at boot and deletes the trigger queue older servers left', async () => {
    const prefix = cluster.ns.prefix;
    assert.equal(await redis.exists(`${prefix}:workers:last-seen`), 0, 'the old key is gone');
    assert.notEqual(await redis.zscore(cluster.keys.workersLastSeen, 'a-worker-of-before'), null, 'moved, not lost');
    await waitUntil(
      async () => (await redis.keys(`${prefix}:jobnest-trigger:*`)).length === 0,
      15_000,
      `the old trigger queue to be deleted\n${cluster.dump()}`,
    );
  });

  it('runs an instance on a worker of the version before: its queue, its streams, its acknowledgements', async () => {
    older = new OlderWorker(cluster, 'old-1');
    await older.start();
    await waitUntil(
      async () => (await cluster.client.listWorkers()).some((w) => w.workerId === 'old-1'),
      15_000,
      `the older worker to be listed\n${cluster.dump()}`,
    );
    const job = await cluster.client.createJob({
      name: 'on-an-older-worker',
      processor: PROCESSOR,
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(job.id, { instanceParams: 'p1' });
    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(done.status, 'SUCCEEDED', cluster.dump());
    assert.equal(done.result, 'done: p1');
    assert.equal(done.workerId, 'old-1');
    await waitUntil(
      async () =>
        (await cluster.client.getInstanceLogs(instanceId)).items.some((l) => l.message === 'said by an older worker'),
      10_000,
      'the log line from the old logs stream',
    );
    await waitUntil(
      () => older!.received.includes('AckInstanceStatus'),
      10_000,
      'the final report acknowledged on the old queue',
    );
    // Nothing was sent where an older worker does not look.
    assert.deepEqual(await redis.keys(`${cluster.workerQueueKey('old-1')}:*`), []);
  });

  it('moves a worker upgraded in place (same id) to its new queue, and deletes its old one', async () => {
    const oldQueueKeys = (): Promise<string[]> => redis.keys(`${cluster.ns.prefix}:jobnest-worker-old-1:*`);
    assert.ok((await oldQueueKeys()).length > 0, 'the older worker had its queue under the plain prefix');
    await older!.stop();
    older = undefined;
    await cluster.startWorker({ workerId: 'old-1' }); // this version, same id
    const job = await cluster.client.createJob({
      name: 'after-the-upgrade',
      processor: 'demo.echo',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(job.id, { instanceParams: 'new queue' });
    const done = await cluster.client.waitForInstance(instanceId, { timeoutMs: 20_000 });
    assert.equal(done.status, 'SUCCEEDED', cluster.dump());
    assert.equal(done.workerId, 'old-1');
    await waitUntil(
      async () => (await oldQueueKeys()).length === 0,
      20_000,
      `the old queue of the upgraded worker to be deleted\n${cluster.dump()}`,
    );
    assert.ok((await redis.keys(`${cluster.workerQueueKey('old-1')}:*`)).length > 0, 'its new queue stays');
  });

  it("believes a heartbeat only on its own app's stream", async () => {
    const otherName = `other_${cluster.ns.id}`;
    const other = await new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN }).createApp(
      otherName,
      'other-password',
    );
    const otherClient = new JobnestClient({ baseUrl: cluster.baseUrl });
    await otherClient.login(otherName, 'other-password');
    const send = (stream: string, hb: Heartbeat): Promise<unknown> =>
      redis.xadd(stream, '*', MESSAGE_FIELD, encodeMessage(hb));
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      // On the first app's stream, one worker claims to be the other app's; one is honestly the first app's.
      await send(cluster.streams.heartbeats, heartbeatOf('forger', other.id, otherName, ['command-batch', 'app-keys']));
      await send(
        cluster.streams.heartbeats,
        heartbeatOf('honest', cluster.appId, cluster.appName, ['command-batch', 'app-keys']),
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const mine = (await cluster.client.listWorkers()).map((w) => w.workerId);
    const theirs = (await otherClient.listWorkers()).map((w) => w.workerId);
    assert.ok(mine.includes('honest'), `the honest heartbeat counts: ${mine.join(', ')}`);
    assert.ok(!theirs.includes('forger') && !mine.includes('forger'), 'the forged heartbeat is ignored');
    const server = cluster.servers[0]!;
    assert.match(server.logs, /ignored heartbeat of worker forger: it says app \d+ but came on the stream of app \d+/);
    assert.equal(server.logs.match(/ignored heartbeat of worker forger/g)?.length, 1, 'logged once');
  });
});

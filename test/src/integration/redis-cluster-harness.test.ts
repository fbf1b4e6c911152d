import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { privateServices } from '../support/private-services';
import { startLocalRedisCluster, type LocalRedisCluster } from '../support/redis-cluster';

/**
 * The Redis Cluster harness itself, through ioredis's Cluster client: keys spread over the masters, multi-key commands
 * need one slot, and a killed master's replica takes over with the data.
 */
describe('a local Redis Cluster (3 masters, 1 replica each)', privateServices('redis-server', 'redis-cli'), () => {
  let cluster: LocalRedisCluster | undefined;
  let client: Cluster | undefined;

  const connected = (): { cluster: LocalRedisCluster; client: Cluster } => {
    assert.ok(cluster && client, 'the cluster did not start');
    return { cluster, client };
  };

  let startMs = 0;

  before(async () => {
    const started = Date.now();
    cluster = await startLocalRedisCluster({ masters: 3, replicasPerMaster: 1 });
    startMs = Date.now() - started;
    client = new Cluster(
      cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
      {
        // During a failover a command meets "Connection is closed", MOVED back to the dead master and CLUSTERDOWN,
        // each retry counting against maxRedirections: the defaults (100 ms, 16) give up after about 1 s, before a
        // 2 s node timeout's promotion (~3.5 s); these wait about 16 s.
        retryDelayOnFailover: 300,
        retryDelayOnClusterDown: 300,
        maxRedirections: 64,
        lazyConnect: true,
      },
    );
    await client.connect();
  });

  after(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('has 3 masters and 3 replicas, each a running process', (t) => {
    const { cluster } = connected();
    t.diagnostic(`started in ${startMs} ms: ${JSON.stringify(cluster.nodes)}`);
    assert.deepEqual(cluster.nodes.map((n) => n.role).sort(), [
      'master',
      'master',
      'master',
      'replica',
      'replica',
      'replica',
    ]);
    assert.equal(new Set(cluster.nodes.map((n) => n.pid)).size, 6);
    for (const node of cluster.nodes) process.kill(node.pid, 0); // throws if there is no such process
    assert.deepEqual(
      cluster.seeds.slice(0, 3),
      cluster.nodes.filter((n) => n.role === 'master').map((n) => `127.0.0.1:${n.port}`),
    );
  });

  it('stores 200 keys across the masters and reads them back', async () => {
    const { client } = connected();
    const keys = Array.from({ length: 200 }, (_, i) => `harness:key:${i}`);
    await Promise.all(keys.map((k, i) => client.set(k, `value-${i}`)));
    assert.deepEqual(
      await Promise.all(keys.map((k) => client.get(k))),
      keys.map((_, i) => `value-${i}`),
    );
    // The keys really are spread: every master holds some of them.
    const perMaster = await Promise.all(client.nodes('master').map((m) => m.dbsize()));
    assert.equal(perMaster.length, 3);
    assert.ok(
      perMaster.every((n) => n > 0),
      `keys per master: ${perMaster.join(', ')}`,
    );
  });

  it('runs MSET on keys of one hash tag and refuses keys of different slots with CROSSSLOT', async () => {
    const { client } = connected();
    assert.equal(await client.mset('{a}x', 'ax', '{a}y', 'ay'), 'OK');
    assert.deepEqual(await client.mget('{a}x', '{a}y'), ['ax', 'ay']);

    assert.notEqual(await client.cluster('KEYSLOT', 'x1'), await client.cluster('KEYSLOT', 'y2'));
    await assert.rejects(client.mset('x1', '1', 'y2', '2'), /CROSSSLOT/);
    assert.equal(await client.get('x1'), null, 'the refused MSET wrote nothing');
  });

  it('serves {a}x again from the promoted replica after its master is SIGKILLed', async (t) => {
    const { cluster, client } = connected();
    const before = cluster.nodes;
    const killed = await cluster.killMasterOf('{a}x');
    const killedAt = Date.now();
    assert.ok(
      before.some((n) => n.port === killed && n.role === 'master'),
      `${killed} was not a master`,
    );
    assert.ok(!cluster.nodes.some((n) => n.port === killed), 'the killed node still counts as running');

    // Sent while the slot has no live master: with the retry options above it waits for the promotion.
    const inFlight = client.get('{a}x').then(
      (value) => ({ value, ms: Date.now() - killedAt }),
      (err: unknown) => ({ value: err instanceof Error ? err.message : String(err), ms: Date.now() - killedAt }),
    );
    await cluster.waitHealthy();
    t.diagnostic(`healthy again ${Date.now() - killedAt} ms after the kill`);

    const promoted = cluster.nodes.filter(
      (n) => n.role === 'master' && before.some((b) => b.port === n.port && b.role === 'replica'),
    );
    assert.equal(promoted.length, 1, `one replica was promoted: ${JSON.stringify(cluster.nodes)}`);
    assert.equal(cluster.nodes.filter((n) => n.role === 'master').length, 3);
    assert.equal(await client.get('{a}x'), 'ax');
    assert.equal(await client.get('{a}y'), 'ay');
    const { value, ms } = await inFlight;
    t.diagnostic(`the GET sent during the failover answered after ${ms} ms`);
    assert.equal(value, 'ax');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { ManagedProcess } from '../support/child-process';
import { TestCluster, waitUntil } from '../support/cluster';
import { keepsHolding } from '../support/wait-until';

/** The reconciliation pass period of every test server (TestCluster's JOBNEST_RECONCILE_INTERVAL_MS). */
const RECONCILE_INTERVAL_MS = 500;
/** The lease's time to live, as ReconcilerService sets it: max(5 s, five passes). */
const LEASE_TTL_MS = Math.max(5000, RECONCILE_INTERVAL_MS * 5);
/**
 * Room for a loaded machine (2 cores, other test or benchmark processes) on top of the documented bound: the
 * survivors' timers and the test's polling may run late by this much.
 */
const SLACK_MS = 1500;

const TOOK = /took the reconciliation lease/g;
const LOST = /lost the reconciliation lease/g;

function count(logs: string, pattern: RegExp): number {
  return (logs.match(pattern) ?? []).length;
}

/** The server id a server printed when it was ready (the owner value it writes into the lease). */
function serverIdOf(server: ManagedProcess): string {
  const id = /server (\S+) ready on http/.exec(server.logs)?.[1];
  assert.ok(id, `${server.name} printed no server id:\n${server.logs.slice(-2000)}`);
  return id;
}

/**
 * The reconciliation lease (README "High availability": reconciliation runs on one server at a time under a Redis
 * lease that moves within seconds when its holder dies; ARCHITECTURE "Reconciliation": SET NX PX, renewed by a
 * compare-and-extend script). Three servers on one Redis and one MySQL.
 */
describe('the reconciliation lease', () => {
  const cluster = new TestCluster({ JOBNEST_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS) });
  let redis: Redis;
  let leaseKey: string;

  before(async () => {
    await cluster.start();
    await cluster.startServer();
    await cluster.startServer();
    redis = new Redis(cluster.ns.redisUrl);
    leaseKey = cluster.keys.lease('reconciler');
  });

  after(async () => {
    for (const s of cluster.servers) s.kill('SIGCONT');
    redis?.disconnect();
    await cluster.close();
  });

  const alive = (): ManagedProcess[] => cluster.servers.filter((s) => s.alive);

  /** The live server the lease names, once one holds it. */
  async function holder(): Promise<ManagedProcess> {
    let found: ManagedProcess | undefined;
    await waitUntil(
      async () => {
        const owner = await redis.get(leaseKey);
        found = alive().find((s) => serverIdOf(s) === owner);
        return found !== undefined;
      },
      LEASE_TTL_MS + 5000,
      'a live server to hold the reconciliation lease',
    );
    return found!;
  }

  /** The servers that logged "took the reconciliation lease" more often than `before` counted. */
  function newTakers(before: Map<ManagedProcess, number>): ManagedProcess[] {
    return cluster.servers.filter((s) => count(s.logs, TOOK) > (before.get(s) ?? 0));
  }

  const tookCounts = (): Map<ManagedProcess, number> => new Map(cluster.servers.map((s) => [s, count(s.logs, TOOK)]));

  it('is held by one server at a time, renewed pass after pass, and only its holder ever took it', async () => {
    const first = await holder();
    const owner = serverIdOf(first);
    // Longer than the TTL: a lease that was not renewed would expire within the window and move or vanish.
    await keepsHolding(
      async () => {
        const replies = await redis.multi().get(leaseKey).pttl(leaseKey).exec();
        const value = replies?.[0]?.[1] as string | null;
        const pttl = replies?.[1]?.[1] as number;
        assert.equal(value, owner, `the lease moved from ${owner} to ${value} while its holder ran`);
        assert.ok(pttl > 0 && pttl <= LEASE_TTL_MS, `the lease expires in ${pttl} ms (TTL ${LEASE_TTL_MS})`);
        return true;
      },
      LEASE_TTL_MS + 2000,
      'one holder, renewed',
      100,
    );
    assert.equal(count(first.logs, TOOK), 1, `${first.name} took the lease once`);
    for (const s of cluster.servers) {
      if (s !== first) assert.equal(count(s.logs, TOOK), 0, `${s.name} never held the lease beside ${first.name}`);
      assert.equal(count(s.logs, LOST), 0, `${s.name} never lost it`);
    }
  });

  it('moves to exactly one other server when its holder is paused past the TTL, and stays there when it wakes', async () => {
    const paused = await holder();
    const pausedId = serverIdOf(paused);
    const before = tookCounts();
    const lostBefore = count(paused.logs, LOST);
    paused.kill('SIGSTOP');
    let taker: ManagedProcess;
    try {
      await waitUntil(
        () => newTakers(before).length > 0,
        LEASE_TTL_MS + RECONCILE_INTERVAL_MS + SLACK_MS,
        'another server to take the lease of the paused holder',
      );
      const takers = newTakers(before);
      assert.equal(takers.length, 1, `one server took it, not ${takers.map((s) => s.name).join(' and ')}`);
      taker = takers[0]!;
      assert.notEqual(taker, paused);
      assert.equal(await redis.get(leaseKey), serverIdOf(taker), 'the lease names the server that logged it');
    } finally {
      paused.kill('SIGCONT');
    }
    // Its next pass finds the lease taken: it steps down at once, and does not take it back.
    await waitUntil(
      () => count(paused.logs, LOST) > lostBefore,
      5 * RECONCILE_INTERVAL_MS + SLACK_MS,
      `${paused.name} to notice it lost the lease`,
    );
    await keepsHolding(
      async () => (await redis.get(leaseKey)) === serverIdOf(taker),
      6 * RECONCILE_INTERVAL_MS,
      `the lease to stay with ${taker.name} after ${pausedId} woke up`,
      100,
    );
    assert.equal(count(paused.logs, TOOK), before.get(paused), `${paused.name} did not take the lease back`);
    assert.deepEqual(newTakers(before), [taker], 'nobody else took it meanwhile');
  });

  it('is taken over within its TTL after its holder is killed with SIGKILL, and not before it expired', async () => {
    const killed = await holder();
    const killedId = serverIdOf(killed);
    const before = tookCounts();
    const readAt = Date.now();
    const remaining = await redis.pttl(leaseKey);
    assert.ok(remaining > 0, `the lease has a TTL (${remaining})`);
    killed.kill('SIGKILL');
    const killedAt = Date.now();
    // The lease names the dead server until it expires: nobody may take it earlier (SET NX).
    let movedAt = 0;
    await waitUntil(
      async () => {
        if (movedAt === 0 && (await redis.get(leaseKey)) !== killedId) movedAt = Date.now();
        return movedAt !== 0 && newTakers(before).length > 0;
      },
      LEASE_TTL_MS + RECONCILE_INTERVAL_MS + SLACK_MS,
      `a surviving server to take the lease within its TTL of ${LEASE_TTL_MS} ms`,
    );
    const tookAt = Date.now();
    assert.ok(
      movedAt >= readAt + remaining,
      `the lease left ${killedId} after ${movedAt - killedAt} ms, before its ${remaining} ms to live ran out`,
    );
    const takers = newTakers(before);
    assert.equal(takers.length, 1, `one server took it, not ${takers.map((s) => s.name).join(' and ')}`);
    assert.notEqual(takers[0], killed);
    assert.equal(await redis.get(leaseKey), serverIdOf(takers[0]!), 'the lease names the server that logged it');
    assert.ok(
      tookAt - killedAt <= LEASE_TTL_MS + RECONCILE_INTERVAL_MS + SLACK_MS,
      `taken over ${tookAt - killedAt} ms after the kill`,
    );
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisConnections, ServerBeats, ServerConfig } from '@jobnest/server/internal';
import { REDIS_URL, TestNamespace } from '../support/isolated-namespace';
import { redisNow } from '../support/redis-probes';

const DEAD_AFTER_MS = 3000;

/** Polls `check` every 100 ms until true; fails naming `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describe('ServerBeats on a real Redis', () => {
  const ns = new TestNamespace();
  const config = new ServerConfig({
    JOBNEST_TOKEN_SECRET: 's'.repeat(32),
    JOBNEST_REDIS_URL: REDIS_URL,
    JOBNEST_PREFIX: ns.prefix,
    JOBNEST_SERVER_DEAD_AFTER_MS: String(DEAD_AFTER_MS),
  });
  const connections = new RedisConnections(config);
  const beats = new ServerBeats(config, connections);
  const redis = new Redis(REDIS_URL);

  after(async () => {
    beats.onApplicationShutdown();
    connections.onApplicationShutdown();
    await ns.drop();
    redis.disconnect();
  });

  it('beats on Redis clock, and takes a server with an old beat for dead only after beating without a gap for the dead-after time', async () => {
    const key = config.keys.serverBeats;
    await redis.zadd(key, (await redisNow(redis)) - 60_000, 'stopped-server', await redisNow(redis), 'beating-server');
    const started = Date.now();
    beats.onApplicationBootstrap();
    const ids = ['stopped-server', 'beating-server', 'unknown-server', config.serverId];
    await sleep(1500);
    assert.ok((await redisNow(redis)) - Number(await redis.zscore(key, config.serverId)) < 1500, 'its beat is recent');
    assert.deepEqual([...beats.deadAmong(ids)], [], 'nobody is dead before its own beats have gone on for 3 s');
    await until('stopped-server is dead', () => beats.deadAmong(ids).has('stopped-server'), 6000);
    assert.ok(Date.now() - started >= DEAD_AFTER_MS, `dead after ${Date.now() - started} ms of beats`);
    // beating-server stopped beating at the start: it is dead 3 s after its last beat, never itself or an unknown id.
    await until('beating-server is dead too', () => beats.deadAmong(ids).has('beating-server'), 6000);
    assert.deepEqual([...beats.deadAmong(ids)].sort(), ['beating-server', 'stopped-server']);

    // Redis unreachable for this server: a failed beat forgets who is dead, and after it comes back the beats must
    // go on for 3 s again (the others may not have beaten yet either).
    connections.commands.disconnect();
    await until('no server is dead after a failed beat', () => beats.deadAmong(ids).size === 0, 3000);
    await connections.commands.connect();
    const back = Date.now();
    await until('stopped-server is dead again', () => beats.deadAmong(ids).has('stopped-server'), 8000);
    assert.ok(Date.now() - back >= DEAD_AFTER_MS - 200, `dead again ${Date.now() - back} ms after reconnecting`);
  });
});

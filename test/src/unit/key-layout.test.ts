import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyLayout, readRedisTarget, STREAM_LANES, streamPartOf, targetOfUrl } from '@jobnest/transport';
import { EnvReader } from '@jobnest/common';

/** The hash tag Redis Cluster hashes: the first `{...}` with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** Redis glob match for the patterns ACL rules use here (`*` only; the layout never puts `?` or `[` in a key). */
function globMatches(pattern: string, key: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
  return re.test(key);
}
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('KeyLayout', () => {
  const keys = new KeyLayout('jn');

  it("puts an app's three streams under one tag, the app's lane", () => {
    const s = keys.appStreams(42);
    assert.deepEqual(s, {
      heartbeats: 'jn:{s10}:app:42:heartbeats',
      instanceStatus: 'jn:{s10}:app:42:instance-status',
      logs: 'jn:{s10}:app:42:logs',
    });
    assert.equal(new Set(Object.values(s).map(hashTag)).size, 1, 'one slot for the three');
    // Apps spread over the lanes: 2 * STREAM_LANES apps use every lane twice.
    const lanes = new Map<string, number>();
    for (let app = 1; app <= 2 * STREAM_LANES; app++) {
      const tag = hashTag(keys.appStreams(app).logs);
      lanes.set(tag, (lanes.get(tag) ?? 0) + 1);
    }
    assert.equal(lanes.size, STREAM_LANES);
    assert.ok([...lanes.values()].every((n) => n === 2));
  });

  it('reads an app stream key back, and nothing else', () => {
    assert.deepEqual(keys.parseAppStream('jn:{s10}:app:42:instance-status'), {
      appId: 42,
      kind: 'instanceStatus',
      part: 0,
    });
    assert.deepEqual(keys.parseAppStream('jn:{s1}:app:1:heartbeats'), { appId: 1, kind: 'heartbeats', part: 0 });
    assert.deepEqual(keys.parseAppStream('jn:{s13}:app:42:p3:logs'), { appId: 42, kind: 'logs', part: 3 });
    assert.equal(keys.parseAppStream('jn:{s10}:app:42:p0:logs'), null, 'part 0 has no part segment');
    assert.equal(keys.parseAppStream('jn:{s10}:app:42:p3:logs'), null, 'a part in the wrong lane');
    assert.equal(keys.parseAppStream('jn:stream:instance-status'), null, 'the legacy stream is no app stream');
    assert.equal(keys.parseAppStream('jn:{s3}:app:42:logs'), null, 'an app in the wrong lane');
    assert.equal(keys.parseAppStream('jn:{s10}:app:42:other'), null);
    assert.equal(keys.parseAppStream('other:{s10}:app:42:logs'), null, 'another prefix');
  });

  it("spreads an app's parts over lanes, and a worker's part is stable", () => {
    const parts = Array.from({ length: 4 }, (_, k) => keys.appStreams(42, k));
    assert.equal(parts[2]!.logs, 'jn:{s12}:app:42:p2:logs');
    assert.equal(new Set(parts.map((p) => hashTag(p.instanceStatus))).size, 4, 'one slot per part');
    for (const p of parts) assert.equal(keys.parseAppStream(p.instanceStatus)?.appId, 42);
    assert.equal(streamPartOf('any-worker', 1), 0);
    const seen = new Set(Array.from({ length: 40 }, (_, i) => streamPartOf(`w-${i}`, 4)));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3], 'workers spread over the parts');
    assert.equal(streamPartOf('w-7', 4), streamPartOf('w-7', 4));
  });

  it('gives every worker queue a tag of its own, with its app in it; a legacy worker keeps the plain prefix', () => {
    const a = keys.workerQueuePrefix({ workerId: 'w-1', appId: 7 });
    const b = keys.workerQueuePrefix({ workerId: 'w-2', appId: 7 });
    assert.equal(a, 'jn:{w:7:w-1}');
    assert.notEqual(hashTag(`${a}:x`), hashTag(`${b}:x`));
    assert.equal(keys.workerQueuePrefix({ workerId: 'w-1', appId: null }), 'jn');
  });

  it('keeps the system keys under one tag', () => {
    const system = [keys.deadLetter, keys.lease('reconciler'), keys.workersLastSeen, keys.alarmRuleVersions];
    assert.deepEqual(new Set(system.map(hashTag)), new Set(['sys']));
    assert.equal(keys.system, 'jn:{sys}');
  });

  it("ACL patterns of an app cover its streams and its workers' queues, and no other app's keys", () => {
    const patterns = keys.appKeyPatterns(4);
    const covered = (key: string): boolean => patterns.some((p) => globMatches(p, key));
    for (let part = 0; part < 16; part++) {
      for (const key of Object.values(keys.appStreams(4, part))) assert.ok(covered(key), key);
    }
    assert.ok(covered(`${keys.workerQueuePrefix({ workerId: 'x', appId: 4 })}:jobnest-worker-x:wait`));
    for (const other of [20, 40, 44, 14, 3, 5]) {
      for (let part = 0; part < 16; part++) {
        for (const key of Object.values(keys.appStreams(other, part))) assert.ok(!covered(key), `app 4 covers ${key}`);
      }
      assert.ok(!covered(`${keys.workerQueuePrefix({ workerId: 'x', appId: other })}:jobnest-worker-x:wait`));
    }
    assert.ok(!covered(keys.deadLetter) && !covered(keys.lease('reconciler')));
  });

  it('refuses a prefix that would break the tags', () => {
    assert.throws(() => new KeyLayout('a{b}'), /key prefix/);
    assert.throws(() => new KeyLayout(''), /key prefix/);
  });
});

describe('where Redis is', () => {
  it('a URL with one host is a single Redis', () => {
    assert.deepEqual(targetOfUrl('redis://:pw@cache:6379/0'), {
      url: 'redis://:pw@cache:6379/0',
      clusterNodes: [],
    });
  });

  it('a URL with several hosts is a cluster; the credentials stay with the first', () => {
    assert.deepEqual(targetOfUrl('rediss://u:pw@a:7001,b:7002,c:7003'), {
      url: 'rediss://u:pw@a:7001',
      clusterNodes: ['a:7001', 'b:7002', 'c:7003'],
    });
  });

  it('JOBNEST_REDIS_CLUSTER_NODES makes it a cluster and wins over the URL host', () => {
    const env = { JOBNEST_REDIS_URL: 'redis://:pw@ignored:6379', JOBNEST_REDIS_CLUSTER_NODES: ' n1:7001, n2:7002 ' };
    assert.deepEqual(readRedisTarget(new EnvReader(env), 'redis://127.0.0.1:6379'), {
      url: 'redis://:pw@ignored:6379',
      clusterNodes: ['n1:7001', 'n2:7002'],
    });
  });

  it('names the setting of a bad node, and never shows the password', () => {
    const read = (env: Record<string, string>) => () => readRedisTarget(new EnvReader(env), 'redis://127.0.0.1:6379');
    assert.throws(
      read({ JOBNEST_REDIS_URL: 'redis://:hunter2@a:1', JOBNEST_REDIS_CLUSTER_NODES: 'a:1,b' }),
      (err: Error) => /JOBNEST_REDIS_CLUSTER_NODES/.test(err.message) && /'b' is not host:port/.test(err.message),
    );
    assert.throws(
      read({ JOBNEST_REDIS_URL: 'redis://:hunter2@a:1,b:99999' }),
      (err: Error) => /JOBNEST_REDIS_URL/.test(err.message) && !err.message.includes('hunter2'),
    );
    assert.throws(
      read({ JOBNEST_REDIS_URL: 'http://:hunter2@a:1' }),
      (err: Error) =>
        /JOBNEST_REDIS_URL must use redis or rediss/.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});

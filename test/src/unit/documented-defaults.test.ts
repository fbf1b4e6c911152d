import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveWorkerOptions } from '@jobnest/worker';
import { ServerConfig } from '@jobnest/server/internal';

const REPO = join(__dirname, '..', '..', '..');

/** Rows `| name | default | meaning |` of the README table whose first row is `first`. */
function readmeTable(first: string): [name: string, value: string][] {
  const lines = readFileSync(join(REPO, 'README.md'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| \`${first}\` |`));
  assert.ok(start >= 0, `README has no settings table starting with ${first}`);
  const rows: [string, string][] = [];
  for (let i = start; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const [name, value] = lines[i]!.split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    rows.push([name!.replace(/`/g, ''), value!]);
  }
  return rows;
}

/** JOBNEST_WORKER_TIMEOUT_MS -> workerTimeoutMs. */
function propertyOf(variable: string): string {
  const words = variable
    .replace(/^JOBNEST_/, '')
    .toLowerCase()
    .split('_');
  return words
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join('')
    .replace(/Ms$/, 'Ms');
}

/** Settings whose property name is not the variable's, or whose README default is a sentence. */
const SPECIAL: Record<string, (c: ServerConfig) => void> = {
  JOBNEST_TOKEN_SECRET: () => undefined, // required: checked by the security tests
  JOBNEST_DEV: (c) => assert.equal(c.devMode, false),
  JOBNEST_REDIS_URL: (c) => assert.equal(c.redis.url, 'redis://127.0.0.1:6379'),
  JOBNEST_REDIS_CLUSTER_NODES: (c) => assert.deepEqual(c.redis.clusterNodes, []),
  // An absolute path in this checkout: the README names it from the repository's root.
  JOBNEST_CONSOLE_DIR: (c) => assert.equal(c.consoleDir, join(REPO, 'apps', 'console', 'dist')),
  'JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD': (c) => {
    assert.equal(c.adminUser, 'admin');
    assert.equal(c.adminPassword, undefined);
  },
};

describe('documented defaults', () => {
  it('every server setting in the README has the default the server uses', () => {
    const config = new ServerConfig({ JOBNEST_TOKEN_SECRET: 's'.repeat(32) });
    const values = config as unknown as Record<string, unknown>;
    const rows = readmeTable('PORT');
    assert.ok(rows.length >= 25, `only ${rows.length} rows read from the README's server table`);
    for (const [variable, documented] of rows) {
      const special = SPECIAL[variable];
      if (special) {
        special(config);
        continue;
      }
      const property = propertyOf(variable);
      assert.ok(property in values, `${variable}: ServerConfig has no property ${property}`);
      const actual = values[property];
      if (typeof actual === 'boolean') {
        assert.equal(actual, documented === '1' || documented === 'true', `${variable} documented as ${documented}`);
      } else if (typeof actual === 'number') {
        assert.equal(actual, Number(documented), `${variable} documented as ${documented}`);
      } else {
        assert.equal(actual, documented, `${variable} documented as ${documented}`);
      }
    }
  });

  it('every alarm setting in the README has the default the server uses', () => {
    const secret = { JOBNEST_TOKEN_SECRET: 's'.repeat(32) };
    const { alarms } = new ServerConfig(secret);
    const smtp = new ServerConfig({ ...secret, JOBNEST_SMTP_HOST: 'smtp.test', JOBNEST_SMTP_FROM: 'a@b.test' }).alarms
      .smtp!;
    const secure = new ServerConfig({
      ...secret,
      JOBNEST_SMTP_HOST: 'smtp.test',
      JOBNEST_SMTP_FROM: 'a@b.test',
      JOBNEST_SMTP_SECURE: '1',
    }).alarms.smtp!;
    const rows = new Map(readmeTable('JOBNEST_ALARM_WEBHOOKS'));
    const actual: Record<string, unknown> = {
      JOBNEST_ALARM_WEBHOOKS: alarms.webhooksEnabled ? '1' : '0',
      JOBNEST_ALARM_ALLOWED_HOSTS: alarms.allowedHosts.allowsHostName('localhost') ? 'some' : 'none',
      JOBNEST_SMTP_HOST: alarms.smtp === undefined ? 'none' : alarms.smtp.host,
      JOBNEST_SMTP_PORT: String(smtp.port),
      JOBNEST_SMTP_SECURE: smtp.secure ? '1' : '0',
      JOBNEST_SMTP_REQUIRE_TLS: smtp.requireTls ? '1' : '0',
      JOBNEST_SMTP_TLS_REJECT_UNAUTHORIZED: smtp.rejectUnauthorized ? '1' : '0',
      'JOBNEST_SMTP_USER / JOBNEST_SMTP_PASSWORD': smtp.user ?? smtp.password ?? 'none',
      JOBNEST_SMTP_FROM: alarms.smtp?.from ?? 'none',
      JOBNEST_PUBLIC_URL: alarms.publicUrl ?? 'none',
      JOBNEST_ALARM_ATTEMPTS: String(alarms.attempts),
      JOBNEST_ALARM_BACKOFF_MS: String(alarms.backoffMs),
      JOBNEST_ALARM_TIMEOUT_MS: String(alarms.timeoutMs),
      JOBNEST_ALARM_LOG_WAIT_MS: String(alarms.logWaitMs),
      JOBNEST_ALARM_HISTORY_RETENTION_MS: String(alarms.historyRetentionMs),
    };
    assert.deepEqual([...rows.keys()].sort(), Object.keys(actual).sort(), 'the README lists every alarm setting');
    for (const [variable, documented] of rows) assert.equal(actual[variable], documented, variable);
    assert.equal(secure.port, 465, 'the SMTPS port when JOBNEST_SMTP_SECURE=1');
  });

  it('every option default in the worker SDK docblocks is the one resolveWorkerOptions applies', () => {
    const source = readFileSync(join(REPO, 'libs/worker/src/options/jobnest-worker-options.ts'), 'utf8');
    const body = source.slice(source.indexOf('export interface JobnestWorkerOptions'));
    const options = body.slice(0, body.indexOf('\n}'));
    // Each docblock, then the option it documents.
    const documented = [...options.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\??:/g)].map(
      (m) => [m[2]!, /\(Default: `([^`]*)`/.exec(m[1]!)?.[1]] as const,
    );
    assert.ok(documented.length >= 12, `only ${documented.length} options read`);
    const resolved = resolveWorkerOptions({ appName: 'a', password: 'p' }) as unknown as Record<string, unknown>;
    let checked = 0;
    for (const [option, value] of documented) {
      if (value === undefined || option === 'workerId') continue; // required, or generated per process
      const actual = resolved[option];
      const expected: unknown = Array.isArray(actual)
        ? JSON.parse(value)
        : typeof actual === 'number'
          ? Number(value)
          : value.replace(/^'(.*)'$/, '$1');
      assert.deepEqual(actual, expected, `option ${option} documented as ${value}`);
      checked++;
    }
    assert.ok(checked >= 9, `only ${checked} defaults compared`);
    assert.match(String(resolved.workerId), /^[\w.-]+-\d+-[0-9a-f]{4}$/, 'workerId: <hostname>-<pid>-<4 random hex>');
  });
});

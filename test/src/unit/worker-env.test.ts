import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { readWorkerEnv, parseIp } from '@jobnest/worker-app/internal';

const BASE = { JOBNEST_APP_NAME: 'app', JOBNEST_APP_PASSWORD: 'pw' };

describe('worker host settings of the built-in processors', () => {
  it('switches shell and http off by default', () => {
    const { builtIns } = readWorkerEnv(BASE);
    assert.equal(builtIns.shell, undefined);
    assert.equal(builtIns.http, undefined);
  });

  for (const [value, on] of [
    ['1', true],
    ['true', true],
    ['TRUE', true],
    ['0', false],
    ['false', false],
    ['', false],
  ] as const) {
    it(`reads JOBNEST_ENABLE_SHELL=${JSON.stringify(value)} and JOBNEST_ENABLE_HTTP alike as ${on ? 'on' : 'off'}`, () => {
      const { builtIns } = readWorkerEnv({ ...BASE, JOBNEST_ENABLE_SHELL: value, JOBNEST_ENABLE_HTTP: value });
      assert.equal(builtIns.shell !== undefined, on);
      assert.equal(builtIns.http !== undefined, on);
    });
  }

  for (const name of ['JOBNEST_ENABLE_SHELL', 'JOBNEST_ENABLE_HTTP']) {
    for (const value of ['2', 'enabled', 'maybe', '-1']) {
      it(`refuses ${name}=${value} naming the variable`, () => {
        assert.throws(
          () => readWorkerEnv({ ...BASE, [name]: value }),
          (err: unknown) => err instanceof ConfigError && err.setting === name && err.message.includes(`'${value}'`),
        );
      });
    }
  }

  it('carries the shell and http settings to the enabled processors', () => {
    const { builtIns } = readWorkerEnv({
      ...BASE,
      JOBNEST_ENABLE_SHELL: '1',
      JOBNEST_ENABLE_HTTP: '1',
      JOBNEST_SHELL_ALLOWED_COMMANDS: 'echo, ls',
      JOBNEST_SHELL_ENV_PASSTHROUGH: 'BACKUP_BUCKET',
      JOBNEST_HTTP_ALLOWED_HOSTS: '127.0.0.1,internal.example',
    });
    assert.deepEqual(builtIns.shell, { allowedCommands: ['echo', 'ls'], envPassthrough: ['BACKUP_BUCKET'] });
    assert.ok(builtIns.http?.allowedHosts.allowsAddress(parseIp('127.0.0.1')!));
    assert.ok(builtIns.http?.allowedHosts.allowsHostName('internal.example'));
  });

  it('leaves the shell allow-list off when unset', () => {
    assert.equal(readWorkerEnv({ ...BASE, JOBNEST_ENABLE_SHELL: '1' }).builtIns.shell?.allowedCommands, undefined);
  });

  const bad: [Record<string, string>, string][] = [
    [{ JOBNEST_SHELL_ENV_PASSTHROUGH: 'JOBNEST_MYSQL_URL' }, 'JOBNEST_SHELL_ENV_PASSTHROUGH'],
    [{ JOBNEST_SHELL_ALLOWED_COMMANDS: 'echo hi' }, 'JOBNEST_SHELL_ALLOWED_COMMANDS'],
    [{ JOBNEST_SHELL_ALLOWED_COMMANDS: ',' }, 'JOBNEST_SHELL_ALLOWED_COMMANDS'],
    [{ JOBNEST_HTTP_ALLOWED_HOSTS: '10.0.0.1/8' }, 'JOBNEST_HTTP_ALLOWED_HOSTS'],
  ];
  for (const [env, setting] of bad) {
    it(`refuses ${JSON.stringify(env)} at boot, even with the processor off`, () => {
      assert.throws(
        () => readWorkerEnv({ ...BASE, ...env }),
        (err: unknown) => err instanceof ConfigError && err.setting === setting,
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { DEFAULT_SHELL_PATH, parseEnvPassthrough, shellChildEnv } from '@jobnest/worker-app/internal';

const WORKER_ENV = {
  PATH: '/home/dev/node_modules/.bin:.:/usr/bin',
  HOME: '/home/dev',
  LANG: 'C.UTF-8',
  TZ: 'Europe/Paris',
  JOBNEST_APP_PASSWORD: 'secret',
  JOBNEST_REDIS_URL: 'redis://127.0.0.1:6379',
  JOBNEST_MYSQL_URL: 'mysql://root@127.0.0.1:3306/jobnest',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  BACKUP_BUCKET: 'bucket-1',
};
const RUN = { jobId: 7, instanceId: 42, attempt: 2 };

describe('environment of a shell command', () => {
  it('holds only the safe defaults, the run ids and nothing else of the worker', () => {
    assert.deepEqual(shellChildEnv(WORKER_ENV, [], RUN), {
      PATH: DEFAULT_SHELL_PATH,
      HOME: '/home/dev',
      LANG: 'C.UTF-8',
      TZ: 'Europe/Paris',
      JOBNEST_JOB_ID: '7',
      JOBNEST_INSTANCE_ID: '42',
      JOBNEST_ATTEMPT: '2',
    });
  });

  it('adds the passthrough variables that are set, PATH included', () => {
    const env = shellChildEnv(WORKER_ENV, ['BACKUP_BUCKET', 'PATH', 'NOT_SET'], RUN);
    assert.equal(env.BACKUP_BUCKET, 'bucket-1');
    assert.equal(env.PATH, WORKER_ENV.PATH);
    assert.ok(!('NOT_SET' in env));
    assert.ok(!('AWS_SECRET_ACCESS_KEY' in env));
  });

  it('refuses JOBNEST_ names and non-names in the passthrough setting at boot', () => {
    assert.deepEqual(parseEnvPassthrough('JOBNEST_SHELL_ENV_PASSTHROUGH', ['BACKUP_BUCKET', 'PATH']), [
      'BACKUP_BUCKET',
      'PATH',
    ]);
    for (const name of ['JOBNEST_REDIS_URL', 'jobnest_app_password', 'A-B', '1X']) {
      assert.throws(
        () => parseEnvPassthrough('JOBNEST_SHELL_ENV_PASSTHROUGH', [name]),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.message.includes('JOBNEST_SHELL_ENV_PASSTHROUGH') &&
          err.message.includes(name),
        name,
      );
    }
  });
});

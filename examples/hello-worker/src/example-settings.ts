import { Injectable, Module } from '@nestjs/common';
import { ConfigError, type JobnestWorkerOptions } from '@jobnest/worker';

/** Reads the worker settings from the same JOBNEST_* variables as the repository's worker host. */
@Injectable()
export class ExampleSettings {
  workerOptions(env: NodeJS.ProcessEnv = process.env): JobnestWorkerOptions {
    const value = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
    const required = (name: string): string => {
      const v = value(name);
      if (v === undefined) throw new ConfigError(name, 'is required');
      return v;
    };
    const tags = value('JOBNEST_WORKER_TAGS');
    return {
      appName: required('JOBNEST_APP_NAME'),
      password: required('JOBNEST_APP_PASSWORD'),
      redisUrl: value('JOBNEST_REDIS_URL'),
      mysqlUrl: value('JOBNEST_MYSQL_URL'),
      prefix: value('JOBNEST_PREFIX'),
      workerId: value('JOBNEST_WORKER_ID'),
      tags: tags
        ? tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined,
    };
  }
}

@Module({ providers: [ExampleSettings], exports: [ExampleSettings] })
export class ExampleSettingsModule {}

import { ConfigError } from '@jobnest/common';

/**
 * PATH of every command unless JOBNEST_SHELL_ENV_PASSTHROUGH lists PATH: fixed rather than the worker's, so a
 * command finds the same programs however the worker was started (a dev shell may have `.` or
 * node_modules/.bin on its PATH) and a writable directory on the worker's PATH cannot shadow system programs.
 */
export const DEFAULT_SHELL_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Variables of the worker a command gets when they are set: locale, time zone and home, nothing secret. */
const KEPT_WHEN_SET = ['HOME', 'LANG', 'LC_ALL', 'TZ'];

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The run a command belongs to, given to it as JOBNEST_JOB_ID, JOBNEST_INSTANCE_ID and JOBNEST_ATTEMPT. */
export interface ShellRun {
  jobId: number;
  instanceId: number;
  attempt: number;
}

/**
 * The whole environment of a command: built from scratch, never a copy of the worker's, so the worker's
 * settings (app password, Redis and MySQL URLs) and whatever else its environment holds stay out of it.
 */
export function shellChildEnv(
  workerEnv: Readonly<Record<string, string | undefined>>,
  passthrough: readonly string[],
  run: ShellRun,
): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_SHELL_PATH };
  for (const name of [...KEPT_WHEN_SET, ...passthrough]) {
    const value = workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env.JOBNEST_JOB_ID = String(run.jobId);
  env.JOBNEST_INSTANCE_ID = String(run.instanceId);
  env.JOBNEST_ATTEMPT = String(run.attempt);
  return env;
}

/** Checks the names of the passthrough setting: variable names, none of them a JOBNEST_ setting. */
export function parseEnvPassthrough(setting: string, names: readonly string[]): string[] {
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) throw new ConfigError(setting, `entry '${name}' is not a variable name`);
    if (/^JOBNEST_/i.test(name)) {
      throw new ConfigError(
        setting,
        `entry '${name}' is refused: JOBNEST_ variables are the worker's settings and never reach a command`,
      );
    }
  }
  return [...names];
}

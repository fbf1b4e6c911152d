import type { KeyLayout } from './key-layout';

/**
 * Commands a Jobnest process may run: everything but administration and the dangerous ones (FLUSHALL, KEYS,
 * CONFIG, DEBUG, ...), plus INFO, which ioredis' ready check and BullMQ read.
 */
export const REDIS_ACL_COMMANDS = '+@all -@admin -@dangerous +info';

/** What one ACL user may touch. */
export interface RedisAclRules {
  /** The user name. */
  username: string;
  /** `ACL SETUSER` key patterns, without their `~`. */
  keyPatterns: string[];
  /** `ACL SETUSER` command rules. */
  commands: string;
}

/**
 * The ACL user of one app's workers: its streams and its workers' command queues only (KeyLayout.appKeyPatterns),
 * no pub/sub channel. A worker under it gets NOPERM for any other app's stream or queue and for the system keys.
 */
export function appRedisAcl(layout: KeyLayout, appId: number): RedisAclRules {
  return {
    username: `${layout.prefix}-app-${appId}`,
    keyPatterns: layout.appKeyPatterns(appId),
    commands: REDIS_ACL_COMMANDS,
  };
}

/** The servers' ACL user: every key of the deployment (they read every app's streams and write every queue). */
export function serverRedisAcl(layout: KeyLayout): RedisAclRules {
  return { username: `${layout.prefix}-server`, keyPatterns: [`${layout.prefix}:*`], commands: REDIS_ACL_COMMANDS };
}

/** `ACL SETUSER` arguments for the rules and a password: `reset` first, so running it again replaces the user. */
export function aclSetUserArgs(rules: RedisAclRules, password: string): string[] {
  return [
    rules.username,
    'reset',
    'on',
    `>${password}`,
    'resetchannels',
    ...rules.keyPatterns.map((p) => `~${p}`),
    ...rules.commands.split(' '),
  ];
}
